/**
 * Redial delays for missing peers. Pure.
 *
 * @module
 */

/** Longest wait between two dials of a missing peer. */
export const MAX_BACKOFF_MS = 30_000;

/**
 * The wait before redial number `attempt` (0 = first retry): 250 ms doubling to 30 s,
 * with up to 20% jitter from `random` so a ring that lost a node does not dial in step.
 *
 * @example
 * ```ts
 * backoffMs(0, () => 0); // 250
 * backoffMs(20, () => 0); // 30000
 * ```
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempt, 16));
  return Math.round(base * (1 - 0.2 * random()));
}
