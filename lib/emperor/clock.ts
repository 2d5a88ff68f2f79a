/**
 * The clock the supervisor reads and sets timers on, injectable so tests control time.
 *
 * @module
 */

/** An opaque timer handle from {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * Time and timers. The system clock uses `Date.now()` and the global timers; a test
 * clock advances by hand.
 *
 * @example
 * ```ts
 * const t = systemClock.setTimeout(() => console.log("later"), 1000);
 * systemClock.clearTimeout(t);
 * ```
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
