/**
 * The send window: at most W messages in flight, a sender waiting for a free slot.
 *
 * @module
 */

/**
 * A counting semaphore for the window.
 *
 * @example
 * ```ts
 * const w = new Slots(32);
 * await w.acquire(); // ... w.release() when the message is acknowledged or failed
 * if (w.tryAcquire()) console.log("a second slot, without waiting");
 * ```
 */
export class Slots {
  #used = 0;
  #waiters: (() => void)[] = [];

  /** @throws {RangeError} when `size` is not an integer ≥ 1 */
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window ${size} is not an integer ≥ 1`);
  }

  /** Slots in use. */
  get used(): number {
    return this.#used;
  }

  /**
   * Takes a free slot at once if there is one (no promise: a sender filling the window
   * in one turn pays nothing per message for waiting it does not do).
   *
   * @returns whether a slot was taken
   */
  tryAcquire(): boolean {
    if (this.#used >= this.size) return false;
    this.#used += 1;
    return true;
  }

  /** Resolves once a slot is free, and takes it. */
  acquire(): Promise<void> {
    if (this.#used < this.size) {
      this.#used += 1;
      return Promise.resolve();
    }
    return new Promise((res) => this.#waiters.push(res));
  }

  /** Frees a slot, handing it to the first waiter if any. */
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#used = Math.max(0, this.#used - 1);
  }

  /** Wakes every waiter as if a slot were free (used when stopping: the sender then sees it must stop). */
  wakeAll(): void {
    for (const w of this.#waiters.splice(0)) {
      this.#used += 1;
      w();
    }
  }
}
