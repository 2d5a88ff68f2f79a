/**
 * The restart throttle (uWSGI's emperor-throttle): a vassal that keeps dying young waits
 * twice as long before each restart, from 1 s up to 180 s; one that stayed up starts over.
 * Pure: times in, delays out.
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
 * Restart delays for one vassal.
 *
 * @example
 * ```ts
 * const t = new Throttle();
 * t.started(0);
 * t.exited(500); // 1000: died young, wait 1 s
 * t.started(1500);
 * t.exited(1600); // 2000
 * ```
 */
export class Throttle {
  readonly minMs: number;
  readonly maxMs: number;
  readonly youngMs: number;
  #startedAt = 0;
  /** Young deaths in a row. */
  #streak = 0;

  constructor(opts: ThrottleOptions = {}) {
    this.minMs = opts.minMs ?? 1000;
    this.maxMs = opts.maxMs ?? 180_000;
    this.youngMs = opts.youngMs ?? 10_000;
  }

  /** Records a start at `now`. */
  started(now: number): void {
    this.#startedAt = now;
  }

  /** Records an exit at `now` and returns how long to wait before restarting. */
  exited(now: number): number {
    const young = now - this.#startedAt < this.youngMs;
    this.#streak = young ? this.#streak + 1 : 1;
    return Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.#streak - 1, 30));
  }

  /** Young deaths in a row so far. */
  get streak(): number {
    return this.#streak;
  }
}
