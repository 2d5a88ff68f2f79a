/**
 * Placement coalesced through CoordinatorIO.defer: a burst of new files costs one scan of
 * the vassals, not one per file (which made 100 000 files O(n²) in bench/zeus_scale.ts).
 */
import { expect, test } from "bun:test";
import type { ZeusMessage } from "../../lib/zeus_protocol/mod.ts";
import { Coordinator } from "../../lib/zeus/coordinator.ts";
import { PLACE_SLICE_COPIES } from "../../lib/zeus/copy_keeper.ts";

const body = new TextEncoder().encode(`[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\n`);

function harness(deferred: (() => void)[] | undefined, maxVassals = 100) {
  const sent: ZeusMessage[] = [];
  const core = new Coordinator(
    {
      now: () => 1000,
      send: (_conn, m) => void sent.push(m),
      close: () => {},
      changed: () => {},
      ...(deferred ? { defer: (fn: () => void) => void deferred.push(fn) } : {}),
    },
    { deadAfterMs: 5000, settleMs: 0, maxRejections: 3 },
  );
  core.connOpened(1, "127.0.0.1:1");
  core.message(1, { type: "I_AM_ALIVE", node: "n1", maxVassals, runningVassals: 0 });
  core.message(1, { type: "VASSAL_REPORT", vassals: [] });
  core.message(1, { type: "REPORT_END", count: 0 });
  return { core, sent };
}

const offers = (sent: ZeusMessage[]) => sent.filter((m) => m.type === "NEW_VASSAL").map((m) => (m as { name: string }).name);

test("with defer, a burst of files is placed by one deferred pass, every file in it", () => {
  const deferred: (() => void)[] = [];
  const { core, sent } = harness(deferred);
  for (let i = 0; i < 50; i++) core.fileSet(`v${String(i).padStart(2, "0")}.toml`, body);
  expect(offers(sent)).toEqual([]);
  expect(deferred.length).toBe(1);
  deferred.shift()!();
  expect(offers(sent).length).toBe(50);
  expect(new Set(offers(sent)).size).toBe(50);
  // Later events queue a new pass.
  core.fileSet("late.toml", body);
  expect(deferred.length).toBe(1);
  deferred.shift()!();
  expect(offers(sent)).toContain("late.toml");
});

test("without defer, each file is placed at once (the unit tests' fake io)", () => {
  const { core, sent } = harness(undefined);
  core.fileSet("a.toml", body);
  expect(offers(sent)).toEqual(["a.toml"]);
});

test("a backlog larger than a slice is placed a slice per deferred turn, every copy once, a vassal removed meanwhile not at all", () => {
  const deferred: (() => void)[] = [];
  const total = 2 * PLACE_SLICE_COPIES + 500;
  const { core, sent } = harness(deferred, total);
  const name = (i: number) => `v${String(i).padStart(6, "0")}.toml`;
  for (let i = 0; i < total; i++) core.fileSet(name(i), body);
  const perTurn: number[] = [];
  let before = 0;
  deferred.shift()!();
  perTurn.push(offers(sent).length - before);
  core.fileRemoved(name(total - 1)); // listed in the first turn, not reached yet
  while (deferred.length > 0) {
    before = offers(sent).length;
    deferred.shift()!();
    perTurn.push(offers(sent).length - before);
  }
  expect(perTurn).toEqual([PLACE_SLICE_COPIES, PLACE_SLICE_COPIES, 499]);
  expect(new Set(offers(sent)).size).toBe(total - 1);
  expect(offers(sent)).not.toContain(name(total - 1));
});
