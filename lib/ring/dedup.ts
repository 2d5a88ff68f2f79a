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

  /** @param capacity most ids kept */
  constructor(readonly capacity: number = DEDUP_CAPACITY) {}

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Remembers `id` (as the newest), forgetting the oldest past the capacity. */
  add(id: string): void {
    this.#ids.delete(id);
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) this.#ids.delete(this.#ids.values().next().value!);
  }

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
