/**
 * Which servers are down, and until when: a server that refused or dropped a connection
 * is skipped until its backoff ends (250 ms, doubling to 5 s while it keeps failing).
 * Pure: the clock is passed in.
 *
 * @module
 */
import { type BackoffPolicy, backoffMs } from "../../net/mod.ts";

/** First pause after a server fails, in ms. */
export const BACKOFF_FIRST_MS = 250;
/** Longest pause between attempts at a failing server, in ms. */
export const BACKOFF_MAX_MS = 5_000;
/** Retries of a failing server (sprog's sends and its listener). */
export const SERVER_RETRY: BackoffPolicy = { firstMs: BACKOFF_FIRST_MS, maxMs: BACKOFF_MAX_MS };

interface Down {
  until: number;
  failures: number;
  reason: string;
}

/**
 * Tracks failing servers with exponential backoff.
 *
 * @example
 * ```ts
 * const h = new ServerHealth();
 * h.failed(2, 1000, "ECONNREFUSED");
 * h.isDown(2, 1100); // true
 * h.isDown(2, 1300); // false: it may be tried again
 * ```
 */
export class ServerHealth {
  #down = new Map<number, Down>();

  /** Records that server `i` failed at `now` for `reason`; returns the ms until its next try. */
  failed(i: number, now: number, reason: string): number {
    const failures = (this.#down.get(i)?.failures ?? 0) + 1;
    const pause = backoffMs(failures - 1, SERVER_RETRY);
    this.#down.set(i, { until: now + pause, failures, reason });
    return pause;
  }

  /** Records that server `i` answered: it is up, and its backoff starts over. */
  succeeded(i: number): void {
    this.#down.delete(i);
  }

  /** Whether server `i` should be skipped at `now`. */
  isDown(i: number, now: number): boolean {
    const d = this.#down.get(i);
    return d !== undefined && now < d.until;
  }

  /** The earliest time a down server may be tried again, or undefined when none is down. */
  nextRetryAt(now: number): number | undefined {
    let t: number | undefined;
    for (const d of this.#down.values()) if (d.until > now && (t === undefined || d.until < t)) t = d.until;
    return t;
  }

  /** Why server `i` last failed, if it did. */
  reason(i: number): string | undefined {
    return this.#down.get(i)?.reason;
  }
}
