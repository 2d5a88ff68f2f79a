/**
 * Rate-limited log lines, so that a scanner or a flood cannot flood the log: the first
 * event of a kind is logged at once, then at most one line per interval with how many
 * were left out. Pure: the clock is passed in.
 *
 * @module
 */

/** Options of {@link LogLimiter}. */
export interface LogLimiterOptions {
  /** At most one line per key in this many ms (default 60 000). */
  intervalMs?: number;
  /** Keys remembered at most; past it the oldest are forgotten (default 10 000). */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Decides which events of a kind (a key: an address, an address and a reason) are logged.
 *
 * @example
 * ```ts
 * const limit = new LogLimiter();
 * const n = limit.take("127.0.0.1 no client certificate");
 * if (n !== undefined) log.warn(`refused 127.0.0.1${n ? ` (and ${n} more)` : ""}`);
 * ```
 */
export class LogLimiter {
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  // Insertion order is age order: a key logged again is moved to the end.
  readonly #keys = new Map<string, { at: number; left: number }>();

  constructor(opts: LogLimiterOptions = {}) {
    this.#intervalMs = opts.intervalMs ?? 60_000;
    this.#maxKeys = opts.maxKeys ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Counts one event of `key`. Returns undefined when it is not to be logged, else how
   * many events of that key were left out since its last line (0 for the first).
   */
  take(key: string): number | undefined {
    const now = this.#now();
    const k = this.#keys.get(key);
    if (k && now - k.at < this.#intervalMs) {
      k.left++;
      return undefined;
    }
    const left = k?.left ?? 0;
    this.#keys.delete(key);
    this.#keys.set(key, { at: now, left: 0 });
    if (this.#keys.size > this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
    return left;
  }
}

/**
 * The suffix that tells how many lines a limiter left out: "" or " (and 12 more since)".
 *
 * @example
 * ```ts
 * leftOut(3); // " (and 3 more since)"
 * ```
 */
export function leftOut(n: number): string {
  return n > 0 ? ` (and ${n} more since)` : "";
}

/**
 * A logger of refused connections (TLS handshakes that failed, connections over a limit):
 * the first refusal of an address for a reason at once, then at most one line a minute per
 * address and reason, with the count of those left out, so a scanner cannot flood the log.
 *
 * @param warn writes one line (a logger's warn, bound)
 * @param what who was refused, e.g. "emperor", "TLS client"
 * @example
 * ```ts
 * const refused = refusalLogger((m, p) => log.warn(m, p), "TLS client");
 * refused("127.0.0.1:40000", "certificate has expired");
 * ```
 */
export function refusalLogger(
  warn: (message: string, props: Record<string, unknown>) => void,
  what: string,
  limiter = new LogLimiter(),
): (remote: string, reason: string) => void {
  return (remote, reason) => {
    const address = remote.slice(0, remote.lastIndexOf(":"));
    const left = limiter.take(`${address} ${reason}`);
    if (left !== undefined) warn(`refused ${what} at {remote}: {reason}${leftOut(left)}`, { remote, reason });
  };
}
