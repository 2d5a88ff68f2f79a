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

  /** @param capacity how many ids to remember (oldest forgotten first) */
  constructor(readonly capacity = 100_000) {}

  /** Records `id`; true when it was not already remembered. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) this.#ids.delete(this.#ids.values().next().value!);
    return true;
  }
}
