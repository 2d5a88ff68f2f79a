/**
 * What a sprog run did, as counters and as the one summary line it prints at the end.
 *
 * @module
 */

/** Counters of a run. `sent` counts messages (a retry is not sent again), `retried` the re-sends. */
export interface Tally {
  sent: number;
  acked: number;
  failed: number;
  retried: number;
}

/** A fresh all-zero tally. */
export function newTally(): Tally {
  return { sent: 0, acked: 0, failed: 0, retried: 0 };
}

/**
 * Acknowledged messages per second over `elapsedMs`, 0 for an empty interval.
 *
 * @example
 * ```ts
 * rate(500, 2000); // 250
 * ```
 */
export function rate(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}

function fixed(n: number): string {
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/**
 * The end-of-run line: `N sent, N acked, N failed`, then the time and the ack rate, and
 * the re-sends when there were any.
 *
 * @example
 * ```ts
 * formatSummary({ sent: 500, acked: 500, failed: 0, retried: 0 }, 1250);
 * // "500 sent, 500 acked, 0 failed in 1.25 s (400 msg/s)"
 * ```
 */
export function formatSummary(t: Tally, elapsedMs: number): string {
  const retried = t.retried > 0 ? `, ${t.retried} retried` : "";
  return `${t.sent} sent, ${t.acked} acked, ${t.failed} failed${retried} in ${fixed(elapsedMs / 1000)} s (${fixed(rate(t.acked, elapsedMs))} msg/s)`;
}

/**
 * The progress line redrawn on a terminal during long runs (no newline; the caller
 * writes it after a carriage return).
 *
 * @example
 * ```ts
 * formatProgress({ sent: 1200, acked: 1100, failed: 0, retried: 0 }, 3000, 20000);
 * // "1200/20000 sent, 1100 acked, 0 failed (367 msg/s)"
 * ```
 */
export function formatProgress(t: Tally, elapsedMs: number, total?: number): string {
  const sent = total === undefined ? `${t.sent}` : `${t.sent}/${total}`;
  return `${sent} sent, ${t.acked} acked, ${t.failed} failed (${fixed(rate(t.acked, elapsedMs))} msg/s)`;
}
