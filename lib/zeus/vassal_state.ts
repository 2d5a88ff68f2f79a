/**
 * A vassal's state and its count of running copies as status shows them (pure), derived
 * from its copies as their emperors last reported them, never from a remembered event: the
 * "N" of N/M counts only copies that run and stay (a copy moving off a draining emperor is
 * on its way out), and a vassal is "failed" only while none of its copies runs (one moving
 * away that still serves included).
 *
 * @module
 */
import type { Copy, VassalRecord } from "./records.ts";

/**
 * Every state {@link vassalState} returns; `/metrics` has a `zeus_vassals` series for each,
 * 0 included, so a dashboard's query does not lose its series while no vassal is in it.
 */
export const VASSAL_STATES = [
  "pending",
  "placing",
  "partial",
  "running",
  "moving",
  "updating",
  "reloading",
  "restored",
  "backoff",
  "unhealthy",
  "stopping",
  "stopped",
  "failed",
  "config-error",
] as const;

/** One of {@link VASSAL_STATES}. */
export type VassalState = (typeof VASSAL_STATES)[number];

/** States of a copy whose process runs, as far as its emperor last said. */
const RUNS = new Set(["running", "updating", "reloading"]);

/** Copy states that say why a vassal is short of running copies, the worst first. */
const TROUBLE_ORDER = ["backoff", "unhealthy", "stopped", "restored", "offered", "accepted", "updating", "reloading"] as const;
/** Each of {@link TROUBLE_ORDER}'s states by its place in it. */
const TROUBLE_RANK: ReadonlyMap<string, number> = new Map(TROUBLE_ORDER.map((s, i) => [s, i]));

/**
 * Whether copy `c` runs: its state is one of a running process with a pid, and its
 * emperor's last report does not say otherwise.
 *
 * @example
 * ```ts
 * copyRuns({ node: "e1", state: "running", pid: 42, restarts: 0 }); // true
 * copyRuns({ node: "e1", state: "backoff", pid: 0, restarts: 3 }); // false
 * ```
 */
export function copyRuns(c: Copy): boolean {
  if (!RUNS.has(c.state) || c.pid <= 0) return false;
  return !c.report || c.report.state !== "backoff";
}

/** Whether a copy moving off a draining emperor still runs, as its emperor last said. */
function movingRuns(c: Copy): boolean {
  return c.pid > 0 && (!c.report || c.report.state === "running");
}

/**
 * Copies of `v` that run and stay (not moving away): the N of N/M.
 *
 * @example
 * ```ts
 * declare const v: VassalRecord;
 * `${copiesUp(v)}/${v.copies}`; // "1/2"
 * ```
 */
export function copiesUp(v: VassalRecord): number {
  let n = 0;
  for (const c of v.copiesOn.values()) if (c.state !== "moving" && copyRuns(c)) n++;
  return n;
}

/**
 * The state status shows for `v`: config-error, stopped/stopping, failed (no copy runs),
 * running or moving (every wanted copy runs), pending (none placed), partial (some run),
 * or the state of the copies that keep it short (backoff, unhealthy, placing, updating...).
 *
 * @example
 * ```ts
 * declare const v: VassalRecord;
 * vassalState(v); // "running"
 * ```
 */
export function vassalState(v: VassalRecord): VassalState {
  if (v.error) return "config-error";
  if (v.stopped) return v.copiesOn.size > 0 ? "stopping" : "stopped";
  // One pass, nothing allocated: /status counts every vassal's state (100 000 at a time).
  let staying = 0;
  let up = 0;
  let worst: number = TROUBLE_ORDER.length;
  let movingServes = false;
  for (const c of v.copiesOn.values()) {
    if (c.state === "moving") {
      movingServes ||= movingRuns(c);
      continue;
    }
    staying++;
    if (copyRuns(c)) up++;
    worst = Math.min(worst, TROUBLE_RANK.get(c.state) ?? worst);
  }
  const odd = TROUBLE_ORDER[worst] as (typeof TROUBLE_ORDER)[number] | undefined;
  const shown = odd === "accepted" || odd === "offered" ? "placing" : odd;
  if (up >= v.copies) return shown ?? (staying < v.copiesOn.size ? "moving" : "running");
  // Not placed again, but a copy leaving a draining emperor still serves: moving, not failed.
  if (v.failed) return up > 0 ? "partial" : movingServes ? "moving" : "failed";
  if (staying === 0) return "pending";
  if (up > 0 && staying < v.copies) return "partial";
  return shown ?? "partial";
}
