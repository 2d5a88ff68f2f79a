/**
 * A bounded memory of message ids, so a listener prints each message once even when a
 * node sends it again (after a reconnect, or as a retried copy).
 *
 * @module
 */

/**
 * Remembers the last `capacity` ids.
 *
 * @example
 * ```ts
 * const seen = new SeenIds(2);
 * seen.add("a"); // true: new
 * seen.add("a"); // false: seen before
 * ```
 */
export class SeenIds {
  #ids = new Set<string>();
  /** The remembered ids in arrival order, a ring: `#order[#next]` is the oldest once full. */
  #order: string[] = [];
  #next = 0;

  /** @param capacity how many ids to remember (oldest forgotten first) */
  constructor(readonly capacity = 100_000) {}

  /** Forgets `id` (a message dropped unprocessed may come again and must be taken then). */
  forget(id: string): void {
    this.#ids.delete(id);
  }

  /** Records `id`; true when it was not already remembered. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    // Forgetting through a ring, not the Set's first entry: a Set that keeps deleting its
    // first entry walks ever more tombstones (300 000 adds took 14 s).
    if (this.#order.length < this.capacity) this.#order.push(id);
    else {
      this.#ids.delete(this.#order[this.#next]!);
      this.#order[this.#next] = id;
      this.#next = (this.#next + 1) % this.capacity;
    }
    return true;
  }
}
