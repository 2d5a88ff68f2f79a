/**
 * Rolling updates (pure): when a vassal with several copies changes, which copies get the
 * new config now. At most `maxParallel` copies are changing at a time; a copy counts as
 * changing from its update until it has run the new config, healthy, for `minHealthyMs`.
 * A copy that fails on the new config stops the rollout; with `autoRevert` every copy
 * already updated goes back to the last config that ran well.
 *
 *     rolling --all copies on the new config, each good for min_healthy--> done
 *     rolling --a copy fails on it--> failed (auto_revert: reverting --all back--> reverted)
 *
 * @module
 */
import type { UpdatePolicy } from "../vassal/mod.ts";
import type { VassalRecord } from "./records.ts";

/** One copy as the rollout sees it. */
export interface RolloutCopy {
  node: string;
  /** Digest of the config it runs, or is being given. */
  sha: string;
  /** Since when it has run `sha` and been healthy (or has no check); undefined while not. */
  goodSince?: number;
  /** Why it is failing on `sha` (backoff, unhealthy, rejected), if it is. */
  problem?: string;
}

/** What to do next. */
export type RolloutStep =
  /** Send the new config to `update`; `waiting` are the copies still proving themselves. */
  | { kind: "rolling"; update: string[]; updated: number; total: number; waiting: string[] }
  | { kind: "done"; total: number }
  /** `node` failed on the new config; `revert` lists the copies to send back (auto_revert). */
  | { kind: "failed"; node: string; reason: string; revert: string[] };

/**
 * Decides the next step of rolling `copies` to the config `target`.
 *
 * @example
 * ```ts
 * planRollout("new", [{ node: "a", sha: "old", goodSince: 0 }, { node: "b", sha: "old", goodSince: 0 }], UPDATE_DEFAULTS, 1000);
 * // { kind: "rolling", update: ["a"], updated: 0, total: 2, waiting: [] }
 * ```
 */
export function planRollout(target: string, copies: readonly RolloutCopy[], policy: UpdatePolicy, now: number): RolloutStep {
  const onTarget = copies.filter((c) => c.sha === target);
  const broken = onTarget.find((c) => c.problem !== undefined);
  if (broken) {
    return {
      kind: "failed",
      node: broken.node,
      reason: `${broken.node}: ${broken.problem}`,
      revert: policy.autoRevert ? onTarget.map((c) => c.node).sort() : [],
    };
  }
  const proven = (c: RolloutCopy) => c.goodSince !== undefined && now - c.goodSince >= policy.minHealthyMs;
  const waiting = onTarget.filter((c) => !proven(c)).map((c) => c.node);
  const old = copies.filter((c) => c.sha !== target);
  if (old.length === 0 && waiting.length === 0) return { kind: "done", total: copies.length };
  // Copies that are not running well on the old config either are updated first: they cannot get worse.
  const order = [...old].sort(
    (a, b) => Number(a.goodSince !== undefined) - Number(b.goodSince !== undefined) || (a.node < b.node ? -1 : 1),
  );
  const room = Math.max(0, policy.maxParallel - waiting.length);
  return {
    kind: "rolling",
    update: order.slice(0, room).map((c) => c.node),
    updated: onTarget.length - waiting.length,
    total: copies.length,
    waiting,
  };
}

/**
 * Whether `v`'s rollout decides when its copies get its current config: while it rolls, or
 * after it stopped on a failure with nothing to revert to. A copy an emperor reports on
 * another config (a zeus restarted mid-rollout) is then left to it instead of being updated
 * at once, which would take down every copy together.
 *
 * @example
 * ```ts
 * const r = { sha256: "old" }; // what a copy runs
 * const stale = r.sha256 !== v.sha256 && !rolloutHolds(v);
 * ```
 */
export function rolloutHolds(v: Pick<VassalRecord, "rollout">): boolean {
  return v.rollout?.state === "rolling" || v.rollout?.state === "failed";
}
