// Property: vassalState's one pass without allocations (what /status counts 100 000 times
// per request) returns what its former form returned, built from arrays, filters and a
// search per trouble state, for any vassal: any mix of copy states, pids, reports, wanted
// copies, failed, stopped or broken.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { COPY_STATES } from "../../lib/zeus/copy_lifecycle.ts";
import { VASSAL_STATES } from "../../lib/zeus_protocol/messages.ts";
import type { Copy, VassalRecord } from "../../lib/zeus/records.ts";
import { copiesUp, vassalState } from "../../lib/zeus/vassal_state.ts";

const TROUBLE_ORDER = ["backoff", "unhealthy", "stopped", "restored", "offered", "accepted", "updating", "reloading"] as const;

/** vassalState as it was written before (commit d24bf58): the reference. */
function reference(v: VassalRecord): string {
  if (v.error) return "config-error";
  if (v.stopped) return v.copiesOn.size > 0 ? "stopping" : "stopped";
  const all = [...v.copiesOn.values()];
  const staying = all.filter((c) => c.state !== "moving");
  const up = copiesUp(v);
  const odd = TROUBLE_ORDER.find((s) => staying.some((c) => c.state === s));
  const shown = odd === "accepted" || odd === "offered" ? "placing" : odd;
  if (up >= v.copies) return shown ?? (staying.length < all.length ? "moving" : "running");
  const movingRuns = (c: Copy) => c.pid > 0 && (!c.report || c.report.state === "running");
  if (v.failed) return up > 0 ? "partial" : all.some((c) => c.state === "moving" && movingRuns(c)) ? "moving" : "failed";
  if (staying.length === 0) return "pending";
  if (up > 0 && staying.length < v.copies) return "partial";
  return shown ?? "partial";
}

const copy = fc.record({
  state: fc.constantFrom(...COPY_STATES),
  pid: fc.constantFrom(0, 42),
  report: fc.option(fc.constantFrom(...VASSAL_STATES), { nil: undefined }),
});

const vassal = fc.record({
  copies: fc.integer({ min: 0, max: 4 }),
  on: fc.array(copy, { maxLength: 5 }),
  error: fc.option(fc.constant("bad TOML"), { nil: undefined }),
  failed: fc.option(fc.constant("rejected 3 times"), { nil: undefined }),
  stopped: fc.option(fc.boolean(), { nil: undefined }),
});

test("vassalState's single pass agrees with its former form for any vassal", () => {
  fc.assert(
    fc.property(vassal, (g) => {
      const copiesOn = new Map<string, Copy>();
      g.on.forEach((c, i) => {
        const report = c.report ? { state: c.report, pid: c.pid, restarts: 0 } : undefined;
        copiesOn.set(`e${i}`, { node: `e${i}`, state: c.state, pid: c.pid, restarts: 0, ...(report ? { report } : {}) } as Copy);
      });
      const v: VassalRecord = {
        name: "v.toml",
        sha256: "ab",
        copies: g.copies,
        rejections: 0,
        rejectedBy: new Set(),
        copiesOn,
        moves: 0,
        ...(g.error ? { error: g.error } : {}),
        ...(g.failed ? { failed: g.failed } : {}),
        ...(g.stopped !== undefined ? { stopped: g.stopped } : {}),
      };
      expect(vassalState(v)).toBe(reference(v) as ReturnType<typeof vassalState>);
    }),
    { numRuns: 5000 },
  );
});
