/**
 * How drains are shown: the `/status` fields of a draining emperor (progress, deadline,
 * blocked copies with their reasons), the lines `zeus status` prints under its table, and the
 * `/healthz` detail of blocked drains.
 *
 * @module
 */
import { drainProgress, drainState, type DrainState } from "./drain.ts";
import type { EmperorRecord } from "./records.ts";

/** A draining emperor's fields in `/status`. */
export interface DrainStatus {
  /** "draining" while copies move, "blocked" while none can, "drained" when done, "forced" when its end stopped copies. */
  drain?: DrainState;
  /** Copies moved away (replaced by copies elsewhere that run well) of those it held when the drain began. */
  drain_moved?: number;
  /** Copies its end (deadline, --force) stopped with no replacement running: not moved. */
  drain_stopped?: number;
  drain_total?: number;
  /** ISO time at which the copies left are stopped (`--deadline`). */
  drain_deadline?: string;
  /** Each copy that cannot move, and why. */
  drain_blocked?: { vassal: string; reason: string }[];
}

/**
 * The `/status` drain fields of `e` (none when it is not draining).
 *
 * @example
 * ```ts
 * declare const e: EmperorRecord;
 * drainStatus(e); // { drain: "blocked", drain_moved: 2, drain_total: 3, drain_blocked: [{ vassal: "api.toml", reason: "no emperor meets zone=z1" }] }
 * ```
 */
export function drainStatus(e: EmperorRecord): DrainStatus {
  const state = drainState(e);
  if (!state) return {};
  const d = e.drain;
  const blocked = Object.entries(d?.blocked ?? {}).map(([vassal, reason]) => ({ vassal, reason }));
  return {
    drain: state,
    ...(d ? { drain_moved: d.moved, drain_total: d.total } : {}),
    ...(d?.stopped ? { drain_stopped: d.stopped } : {}),
    ...(d?.deadline !== undefined && !d.ended ? { drain_deadline: new Date(d.deadline).toISOString() } : {}),
    ...(blocked.length > 0 ? { drain_blocked: blocked } : {}),
  };
}

/**
 * One line per drain not yet done, for `zeus status` and `/healthz`: progress, deadline and
 * each blocked copy's reason.
 *
 * @example
 * ```ts
 * drainLines([{ node: "e1", drain: "blocked", drain_moved: 2, drain_total: 3, drain_blocked: [{ vassal: "api.toml", reason: "no emperor meets zone=z1" }] }]);
 * // ["drain of e1 blocked, 2/3 moved: api.toml: no emperor meets zone=z1"]
 * ```
 */
export function drainLines(emperors: readonly ({ node: string } & DrainStatus)[]): string[] {
  return emperors
    .filter((e) => e.drain === "draining" || e.drain === "blocked")
    .map((e) => {
      const progress = e.drain_total !== undefined ? `, ${drainProgress(e.drain_moved ?? 0, e.drain_total, e.drain_stopped)}` : "";
      const deadline = e.drain_deadline ? `, deadline ${e.drain_deadline}` : ", no deadline";
      const why = (e.drain_blocked ?? []).map((b) => `${b.vassal}: ${b.reason}`).join("; ");
      return `drain of ${e.node} ${e.drain}${progress}${deadline}${why ? `: ${why}` : ""}`;
    });
}

/**
 * {@link drainLines} of the emperors themselves, in the order of their names: `/healthz`
 * asks for nothing else, and making the whole `/status` for it (a row of every vassal) took
 * a pass over every copy on each probe.
 *
 * @example
 * ```ts
 * declare const emperors: Iterable<EmperorRecord>;
 * fleetDrainLines(emperors); // ["drain of e1 draining, 1/3 moved, no deadline"]
 * ```
 */
export function fleetDrainLines(emperors: Iterable<EmperorRecord>): string[] {
  const draining: ({ node: string } & DrainStatus)[] = [];
  for (const e of emperors) {
    const s = drainStatus(e);
    if (s.drain !== undefined) draining.push({ node: e.node, ...s });
  }
  return drainLines(draining.sort((a, b) => (a.node < b.node ? -1 : 1)));
}
