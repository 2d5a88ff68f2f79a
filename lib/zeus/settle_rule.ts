/**
 * When zeus's settle time after a start ends (pure): until then nothing is placed, so that
 * emperors coming back report what they run and keep it (0 restarts). A fixed time did not
 * hold at scale: after kill -9 with TLS, 5 000 emperors redialling at once were still in
 * their handshakes when the 5 s ended, and 375 978 copies were placed anew and started again
 * (200 000 copies: 86 191). The settle time now lasts, past its minimum, while emperors of
 * the saved state are still on their way back, up to a bound; past it, while they still come
 * back (a starved zeus is slow to finish their handshakes, not forgotten by them).
 *
 * @module
 */

/** What the end of the settle time is judged on; times are ms zeus listened (its blocked time left out). */
export interface SettleFacts {
  /** Time listened since the term began. */
  listened: number;
  /** The minimum settle time (with a restored state: --dead-after). */
  settleMs: number;
  /** Every emperor the saved state gave copies to has reported, and no vassal is short of a copy. */
  allBack: boolean;
  /** Some emperor the saved state gave copies to has not reported yet. */
  awaiting: boolean;
  /** Connections open that have not said who they are yet (TLS handshakes, then strangers). */
  arriving: number;
  /** Time listened since an emperor last finished its report (Infinity: none yet). */
  sinceReport: number;
}

/**
 * With no connection arriving, the settle time ends this long after the last report: longer
 * than an emperor's longest redial delay (2 s, lib/emperor/zeus_link.ts), so an emperor that
 * was refused or timed out and is waiting to dial again still counts as on its way.
 */
export const SETTLE_QUIET_MS = 2500;

/**
 * Past this much listening (or its minimum, if longer) the settle time lasts only while
 * emperors are still coming back: one finished its report within {@link SETTLE_PROGRESS_MS}.
 * After kill -9 at 1 000 000 copies on 5 000 TLS emperors the last came back after about 55 s
 * of listening on a quiet machine; under load 12-17 a starved zeus reached 120 s with 4 206
 * back and still arriving, and placed 158 643 copies anew whose emperors were mid-handshake.
 */
export const SETTLE_MAX_MS = 120_000;

/** Past {@link SETTLE_MAX_MS}, the settle time ends once no emperor has finished a report for this long. */
export const SETTLE_PROGRESS_MS = 10_000;

/** The settle time never lasts longer than this (or its minimum, if longer), progress or not. */
export const SETTLE_HARD_MAX_MS = 600_000;

/**
 * Whether the settle time is over: every emperor is back; or its minimum has passed and
 * either nobody is awaited any more, or nobody is arriving (no connection in its handshake or
 * before its I_AM_ALIVE, no report in the last {@link SETTLE_QUIET_MS}); or, past
 * {@link SETTLE_MAX_MS}, no emperor came back in the last {@link SETTLE_PROGRESS_MS}; or the
 * hard bound passed.
 *
 * @example
 * ```ts
 * const facts = { listened: 6000, settleMs: 5000, allBack: false, awaiting: true, arriving: 1200, sinceReport: 10 };
 * settleOver(facts); // false: 1 200 connections are still on their way
 * settleOver({ ...facts, arriving: 0, sinceReport: 3000 }); // true: nobody came for 3 s
 * settleOver({ ...facts, listened: 130_000, sinceReport: 500 }); // false: past 120 s, but emperors still come back
 * settleOver({ ...facts, listened: 130_000, sinceReport: 12_000 }); // true: past 120 s, and nobody came back for 12 s
 * ```
 */
export function settleOver(f: SettleFacts): boolean {
  if (f.allBack) return true;
  if (f.listened < f.settleMs) return false;
  if (!f.awaiting || f.listened >= Math.max(SETTLE_HARD_MAX_MS, f.settleMs)) return true;
  if (f.arriving === 0 && f.sinceReport >= SETTLE_QUIET_MS) return true;
  return f.listened >= Math.max(SETTLE_MAX_MS, f.settleMs) && f.sinceReport >= SETTLE_PROGRESS_MS;
}
