/**
 * Exponential backoff for redials and retries (pure): every reconnecting link in the
 * project (ring peers, sprog's servers and listener, an emperor's link to zeus) uses it.
 *
 * @module
 */

/** How a backoff grows: `firstMs`, doubling per attempt up to `maxMs`, minus up to `jitter` of it. */
export interface BackoffPolicy {
  firstMs: number;
  maxMs: number;
  /** Fraction (0..1) taken off at random, so peers that lost the same node do not dial in step. */
  jitter?: number;
}

/**
 * The wait before retry number `attempt` (0 = the first retry).
 *
 * @example
 * ```ts
 * backoffMs(0, { firstMs: 250, maxMs: 30_000 }); // 250
 * backoffMs(20, { firstMs: 250, maxMs: 30_000 }); // 30000
 * ```
 */
export function backoffMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  // The exponent is capped so a long outage cannot overflow to Infinity.
  const base = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 - (policy.jitter ?? 0) * random()));
}
