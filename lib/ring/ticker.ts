/**
 * A periodic check that rests while there is nothing to check: {@link Ticker}. A quiet node
 * should not wake: every wake-up runs code of the executable that the idle trim dropped
 * (docs/benchmarks.md, issue 26), and costs a context switch.
 *
 * @module
 */
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";

/**
 * Calls `tick` every `everyMs` while `busy()` says there is something to watch; after a
 * tick that finds nothing to watch, the timer stops until {@link Ticker.wake} (called by
 * whatever brings something to watch: a connection accepted, a link connected).
 *
 * @example
 * ```ts
 * declare const conns: Set<unknown>;
 * const ticker = new Ticker(() => console.log(conns.size, "open"), () => conns.size > 0, 1000);
 * conns.add({}); ticker.wake(); // ticks every second until a tick finds the set empty
 * ticker.stop();
 * ```
 */
export class Ticker {
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(
    readonly tick: () => void,
    readonly busy: () => boolean,
    readonly everyMs: number,
    readonly clock: Clock = systemClock,
  ) {}

  /** Whether the timer runs now. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts the timer if it rests (nothing if it runs, or once stopped). */
  wake(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = this.clock.setInterval(() => {
      this.tick();
      if (!this.busy()) this.#rest();
    }, this.everyMs);
  }

  /** Stops it for good. */
  stop(): void {
    this.#stopped = true;
    this.#rest();
  }

  #rest(): void {
    this.clock.clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
