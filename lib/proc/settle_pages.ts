/**
 * Dropping the executable's pages again right after one-off work of a quiet process. Code
 * that runs once (a failed dial's error path, a catch-up that gives up) brings back 2-5 MiB
 * of the executable's pages, 64 KiB at a time, which then stay until the next drop; the idle
 * trim's checks (every 10 s) find them late. What did such work asks for a drop
 * ({@link PageSettler.soon}); it comes {@link SETTLE_AFTER_MS} later, unless work came in
 * meanwhile (a busy process needs its pages); no sooner than {@link SETTLE_GAP_MS} after
 * the last; and once more {@link SETTLE_AGAIN_MS} later, for the collection of its garbage.
 *
 * @module
 */

/** How long after one-off work its pages are dropped: once its tail (callbacks, a log line) has run. */
export const SETTLE_AFTER_MS = 5;

/** The shortest time between two drops of a settler: a drop costs 1-2 ms and the pages' faults after it. */
export const SETTLE_GAP_MS = 1000;

/**
 * When the settler drops the pages once more after its first drop: the runtime's collection
 * timer (every second while the heap changes) collects the one-off work's garbage about a
 * second later, and a collection brings 1.3-3 MiB of the collector's code back.
 */
export const SETTLE_AGAIN_MS = 1200;

/** What {@link settleDue} decides on. */
export interface SettleState {
  /** The activity count when the drop was asked for, and now. */
  askedAt: number;
  activityNow: number;
  /** Monotonic ms of the last drop (-Infinity: none yet), and now. */
  lastDropMs: number;
  nowMs: number;
  gapMs: number;
}

/**
 * Whether a drop asked for is made: no work came in since it was asked for, and the last
 * one was at least `gapMs` ago. Pure.
 *
 * @example
 * ```ts
 * settleDue({ askedAt: 5, activityNow: 5, lastDropMs: 0, nowMs: 2000, gapMs: 1000 }); // true
 * settleDue({ askedAt: 5, activityNow: 9, lastDropMs: 0, nowMs: 2000, gapMs: 1000 }); // false: busy
 * ```
 */
export function settleDue(s: SettleState): boolean {
  return s.activityNow === s.askedAt && s.nowMs - s.lastDropMs >= s.gapMs;
}

/** Timing of a {@link PageSettler}. */
export interface SettleOptions {
  /** Delay from the ask to the drop ({@link SETTLE_AFTER_MS}). */
  delayMs?: number;
  /** Shortest time between drops ({@link SETTLE_GAP_MS}). */
  gapMs?: number;
  /** Delay from the first drop to the second ({@link SETTLE_AGAIN_MS}). */
  againMs?: number;
}

/**
 * Drops the executable's pages shortly after one-off work, while the process is quiet.
 * Asks within the delay share one drop; the timer keeps no process alive.
 *
 * @example
 * ```ts
 * declare const node: { counters: { received: number } }, dropPages: () => Promise<void>;
 * const settler = new PageSettler(() => node.counters.received, dropPages);
 * settler.soon(); // after a failed dial
 * settler.stop();
 * ```
 */
export class PageSettler {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastDropMs = -Infinity;
  #stopped = false;
  /** Whether the drop the timer waits for is a first one (else the second, {@link SETTLE_AGAIN_MS} after it). */
  #pendingFirst = false;
  readonly #delayMs: number;
  readonly #gapMs: number;
  readonly #againMs: number;

  constructor(
    private readonly activity: () => number,
    private readonly drop: () => Promise<void>,
    opts: SettleOptions = {},
  ) {
    this.#delayMs = opts.delayMs ?? SETTLE_AFTER_MS;
    this.#gapMs = opts.gapMs ?? SETTLE_GAP_MS;
    this.#againMs = opts.againMs ?? SETTLE_AGAIN_MS;
  }

  /**
   * Asks for a drop {@link SETTLE_AFTER_MS} from now and another {@link SETTLE_AGAIN_MS}
   * after it (asks meanwhile share them).
   */
  soon(): void {
    if (this.#stopped || (this.#timer && this.#pendingFirst)) return;
    clearTimeout(this.#timer); // a second drop still to come: new work asks for a first one
    this.#arm(this.#delayMs, this.activity(), true);
  }

  #arm(ms: number, askedAt: number, again: boolean): void {
    this.#pendingFirst = again;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const nowMs = performance.now();
      const state = { askedAt, activityNow: this.activity(), lastDropMs: this.#lastDropMs, nowMs, gapMs: this.#gapMs };
      if (state.activityNow !== askedAt) return; // busy: its pages are its own
      // Too soon after the last drop: the work's pages would stay until the next ask, so wait for the gap instead.
      if (!settleDue(state)) return this.#arm(this.#lastDropMs + this.#gapMs - nowMs, askedAt, again);
      this.#lastDropMs = nowMs;
      void this.drop();
      if (again && !this.#stopped) this.#arm(this.#againMs, askedAt, false);
    }, ms);
    this.#timer.unref?.();
  }

  /** Cancels a drop asked for; later asks are ignored. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopped = true;
  }
}
