/**
 * A clock for tests that moves only when told: timers fire in due order as it passes them.
 *
 * @module
 */
import type { Clock, TimerHandle } from "../../lib/clock.ts";

interface Timer {
  at: number;
  every: number | undefined;
  fn: () => void;
}

/**
 * A {@link Clock} that moves only when told. Both readings advance together; {@link
 * FakeClock.setWall} moves the wall clock alone, as an NTP step or `date -s` does, so a
 * test can show that a deadline measured on the monotonic reading does not move with it.
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * let fired = 0;
 * clock.setTimeout(() => fired++, 100);
 * clock.advance(99); // fired === 0
 * clock.advance(1); // fired === 1
 * ```
 */
export class FakeClock implements Clock {
  #wall: number;
  #mono: number;
  #seq = 0;
  #timers = new Map<number, Timer>();

  /**
   * @param wall the wall clock's start (ms since the epoch)
   * @param monotonic the monotonic reading's start
   */
  constructor(wall = 1_000_000, monotonic = 1_000_000) {
    this.#wall = wall;
    this.#mono = monotonic;
  }

  now(): number {
    return this.#wall;
  }
  monotonic(): number {
    return this.#mono;
  }
  setTimeout(fn: () => void, ms: number): number {
    return this.#add(fn, ms, undefined);
  }
  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }
  setInterval(fn: () => void, ms: number): number {
    return this.#add(fn, ms, Math.max(1, ms));
  }
  clearInterval(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }
  /** A timer due now: it runs at the next `advance`, `advance(0)` included. */
  nextTurn(fn: () => void): void {
    this.#add(fn, 0, undefined);
  }

  /** Pending timers' due times, relative to now, soonest first. */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#mono).sort((a, b) => a - b);
  }

  /** Moves both readings `ms` forward, firing every timer due on the way, in due order. */
  advance(ms: number): void {
    const end = this.#mono + ms;
    for (let next = this.#due(end); next; next = this.#due(end)) this.#fire(next[0], next[1]);
    this.#wall += end - this.#mono;
    this.#mono = end;
  }

  /**
   * As {@link FakeClock.advance}, but lets promises settle after each timer fires (and at
   * the end), for code that awaits between timers.
   */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.#mono + ms;
    for (let next = this.#due(end); next; next = this.#due(end)) {
      this.#fire(next[0], next[1]);
      await settle();
    }
    this.#wall += end - this.#mono;
    this.#mono = end;
    await settle();
  }

  /** Sets the wall clock alone (an NTP step): the monotonic reading and timers stay. */
  setWall(ms: number): void {
    this.#wall = ms;
  }

  #add(fn: () => void, ms: number, every: number | undefined): number {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#mono + Math.max(0, ms), every, fn });
    return id;
  }

  #due(end: number): [number, Timer] | undefined {
    let best: [number, Timer] | undefined;
    for (const entry of this.#timers) if (entry[1].at <= end && (!best || entry[1].at < best[1].at)) best = entry;
    return best;
  }

  #fire(id: number, t: Timer): void {
    this.#wall += t.at - this.#mono;
    this.#mono = t.at;
    if (t.every === undefined) this.#timers.delete(id);
    else t.at += t.every;
    t.fn();
  }
}

/** Lets pending promise callbacks run (one macrotask turn). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
