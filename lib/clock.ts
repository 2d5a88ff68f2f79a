/**
 * The one clock every daemon reads and sets timers on, injectable so tests control time.
 *
 * Two readings, for two purposes: {@link Clock.now} is the wall clock (milliseconds since
 * the epoch) for what is shown and logged; {@link Clock.monotonic} never goes back when
 * the system time is set (NTP steps, an operator's `date -s`), so timeouts, deadlines,
 * heartbeats and leases are measured on it. Timers run on monotonic time.
 *
 * @module
 */

/** An opaque timer handle from {@link Clock.setTimeout} or {@link Clock.setInterval}. */
export type TimerHandle = unknown;

/**
 * Time and timers. {@link systemClock} uses `Date.now()`, `performance.now()` and the
 * global timers; the test clock (tests/helpers/fake_clock.ts) moves only when told.
 *
 * @example
 * ```ts
 * import { type Clock, systemClock } from "./clock.ts";
 * function deadline(clock: Clock, ms: number): () => boolean {
 *   const until = clock.monotonic() + ms;
 *   return () => clock.monotonic() >= until;
 * }
 * const expired = deadline(systemClock, 5000);
 * const t = systemClock.setTimeout(() => console.log("expired:", expired()), 1000);
 * systemClock.clearTimeout(t);
 * ```
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch: for what is shown and logged, never for durations. */
  now(): number;
  /**
   * Milliseconds from an arbitrary origin that only moves forward: for timeouts,
   * deadlines, heartbeats and leases. Only differences between two readings mean anything.
   */
  monotonic(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer from {@link Clock.setTimeout}; an unknown or fired handle is ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** Calls `fn` every `ms` milliseconds until cleared; returns a handle for {@link Clock.clearInterval}. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer from {@link Clock.setInterval}; an unknown handle is ignored. */
  clearInterval(handle: TimerHandle): void;
  /**
   * Calls `fn` on the next turn of the event loop, after the I/O that is ready now has been
   * read (`setImmediate`): how a group commit gathers what arrives in one turn.
   */
  nextTurn(fn: () => void): void;
}

type NodeTimer = ReturnType<typeof setTimeout>;

/**
 * The real clock: `Date.now()`, `performance.now()` and the global timers.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * const started = systemClock.monotonic();
 * const beat = systemClock.setInterval(() => console.log("alive", systemClock.monotonic() - started), 1000);
 * systemClock.clearInterval(beat);
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeTimer),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeTimer),
  nextTurn: (fn) => void setImmediate(fn),
};

/**
 * Resolves after `ms` milliseconds on `clock`, or at once with `false` when `signal` is
 * (or becomes) aborted; resolves `true` when the time passed.
 *
 * @param clock the clock whose timer to use
 * @param ms how long to wait
 * @param signal ends the wait early, e.g. when the owner stops
 * @example
 * ```ts
 * import { sleep, systemClock } from "./clock.ts";
 * const stop = new AbortController();
 * if (!(await sleep(systemClock, 250, stop.signal))) console.log("stopped while waiting");
 * ```
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Resolves on the event loop's next turn (`setImmediate`): sliced work awaits it between
 * slices so that sockets and timers (heartbeats) are served in between.
 *
 * @example
 * ```ts
 * declare const rows: unknown[];
 * for (let i = 0; i < rows.length; i += 2000) {
 *   if (i > 0) await nextTurn();
 * }
 * ```
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((r) => setImmediate(r));
}
