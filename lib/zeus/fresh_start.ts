/**
 * `zeus --fresh`: what a start without the recorded state throws away, said in one line, so
 * that forgetting the fleet's memory is never silent (zeus restores its `--state` otherwise).
 *
 * @module
 */
import { plural } from "./coordinator_types.ts";
import type { ZeusState } from "./state_file.ts";

/**
 * The counts of what a saved state records: emperors, assignments, drains, rollouts, last
 * good configs, reverted configs, failed marks and stopped vassals (those kinds present).
 *
 * @example
 * ```ts
 * declare const state: ZeusState;
 * discarded(state); // "3 emperors, 4 assignments, 1 drain, 1 rollout, 2 last good configs"
 * ```
 */
export function discarded(state: ZeusState): string {
  const vs = state.vassals;
  const count = (f: (v: (typeof vs)[number]) => unknown) => vs.filter(f).length;
  const parts = [
    plural(state.emperors.length, "emperor", "emperors"),
    plural(
      vs.reduce((n, v) => n + v.assignments.length, 0),
      "assignment",
      "assignments",
    ),
  ];
  const extra: [number, string, string][] = [
    [state.emperors.filter((e) => e.draining).length, "drain", "drains"],
    [count((v) => v.rollout), "rollout", "rollouts"],
    [count((v) => v.lastGood), "last good config", "last good configs"],
    [count((v) => v.revertedFrom), "reverted config", "reverted configs"],
    [count((v) => v.failed), "failed mark", "failed marks"],
    [count((v) => (v as { stopped?: unknown }).stopped), "stopped vassal", "stopped vassals"],
  ];
  for (const [n, one, many] of extra) if (n > 0) parts.push(plural(n, one, many));
  return parts.join(", ");
}
