/**
 * The restart throttle (uWSGI's emperor-throttle): a vassal that keeps dying young waits
 * twice as long before each restart, from 1 s up to 180 s; one that stayed up starts over.
 * Pure: an immutable value; times in, delays and new throttles out.
 *
 * @module
 */

/** Throttle settings, in milliseconds. */
export interface ThrottleOptions {
  /** First delay; default 1000. */
  minMs?: number;
  /** Largest delay; default 180000. */
  maxMs?: number;
  /** A vassal that ran at least this long before dying was not "young"; default 10000. */
  youngMs?: number;
}

/**
 * Restart delays for one vassal, as an immutable value: each record returns a new one.
 *
 * @example
 * ```ts
 * let t = new Throttle().started(0);
 * const first = t.exited(500); // { delayMs: 1000, ... }: died young, wait 1 s
 * t = first.throttle.started(1500);
 * t.exited(1600).delayMs; // 2000
 * ```
 */
export class Throttle {
  readonly minMs: number;
  readonly maxMs: number;
  readonly youngMs: number;
  /** When the vassal last started. */
  readonly startedAt: number;
  /** Young deaths in a row so far. */
  readonly streak: number;

  /**
   * @param opts the delays' bounds
   * @param startedAt when the vassal last started
   * @param streak young deaths in a row so far
   */
  constructor(opts: ThrottleOptions = {}, startedAt = 0, streak = 0) {
    this.minMs = opts.minMs ?? 1000;
    this.maxMs = opts.maxMs ?? 180_000;
    this.youngMs = opts.youngMs ?? 10_000;
    this.startedAt = startedAt;
    this.streak = streak;
  }

  /** The throttle after a start at `now`. */
  started(now: number): Throttle {
    return new Throttle(this, now, this.streak);
  }

  /** The throttle after an exit at `now`, and how long to wait before restarting. */
  exited(now: number): { throttle: Throttle; delayMs: number } {
    const young = now - this.startedAt < this.youngMs;
    const streak = young ? this.streak + 1 : 1;
    return { throttle: new Throttle(this, this.startedAt, streak), delayMs: this.delay(streak) };
  }

  /**
   * The wait before restart number `streak` of a run of failures in a row (1: `minMs`),
   * doubling up to `maxMs`. The restarts for a failing check use it too.
   *
   * @example
   * ```ts
   * [1, 2, 3, 20].map((n) => new Throttle().delay(n)); // [1000, 2000, 4000, 180000]
   * ```
   */
  delay(streak: number): number {
    return Math.min(this.maxMs, this.minMs * 2 ** Math.min(Math.max(streak, 1) - 1, 30));
  }
}
