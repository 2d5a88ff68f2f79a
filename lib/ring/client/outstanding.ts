/**
 * The bookkeeping of messages not yet acknowledged: which wait for a server, which are on
 * which server, and which have run out of time. Pure: no sockets, the clock passed in.
 *
 * @module
 */

/** One unacknowledged message. */
export interface OutstandingEntry<T> {
  id: string;
  payload: T;
  /** When it counts as failed if still unacknowledged (ms, same clock as `now`). */
  deadline: number;
  /** How many times it was written to a server. */
  attempts: number;
  /** The server it was last written to; undefined while it waits for one. */
  server: number | undefined;
}

/**
 * Unacknowledged messages by id. An entry waits (for a server) or is in flight on one
 * server; a lost server sends its entries back to the front of the wait queue, in order,
 * to be retried under the same id.
 *
 * @example
 * ```ts
 * const o = new Outstanding<Uint8Array>();
 * o.add("c5-1", bytes, 0, 10_000);
 * const e = o.take()!; o.sent(e.id, 3);
 * o.lost(3); // server 3 dropped: "c5-1" waits again
 * o.take()!.attempts; // 1
 * ```
 */
export class Outstanding<T> {
  #entries = new Map<string, OutstandingEntry<T>>();
  #waiting: OutstandingEntry<T>[] = [];
  #perServer = new Map<number, number>();

  /** Messages not yet acknowledged nor failed. */
  get size(): number {
    return this.#entries.size;
  }

  /** Messages waiting for a server. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Adds a message, waiting for a server, failing at `now + timeoutMs`.
   *
   * @throws {RangeError} when the id is already outstanding
   */
  add(id: string, payload: T, now: number, timeoutMs: number): OutstandingEntry<T> {
    if (this.#entries.has(id)) throw new RangeError(`message id "${id}" is already outstanding`);
    const e: OutstandingEntry<T> = { id, payload, deadline: now + timeoutMs, attempts: 0, server: undefined };
    this.#entries.set(id, e);
    this.#waiting.push(e);
    return e;
  }

  /** Removes and returns the first waiting message (the caller then sends or requeues it). */
  take(): OutstandingEntry<T> | undefined {
    return this.#waiting.shift();
  }

  /** Puts a taken message back at the front of the wait queue (no server could take it). */
  putBack(e: OutstandingEntry<T>): void {
    if (this.#entries.get(e.id) === e) this.#waiting.unshift(e);
  }

  /** Records that message `id` was written to `server`. */
  sent(id: string, server: number): void {
    const e = this.#entries.get(id);
    if (!e) return;
    if (e.server !== undefined) this.#count(e.server, -1);
    e.server = server;
    e.attempts += 1;
    this.#count(server, 1);
  }

  /** Removes an acknowledged message; undefined when `id` is not outstanding (a late duplicate OK). */
  ack(id: string): OutstandingEntry<T> | undefined {
    return this.#remove(id);
  }

  /** Removes a message that will not be retried; undefined when `id` is not outstanding. */
  fail(id: string): OutstandingEntry<T> | undefined {
    return this.#remove(id);
  }

  /**
   * Server `server` is gone: its in-flight messages wait again, ahead of the others, in
   * the order they were added. Returns how many.
   */
  lost(server: number): number {
    const back: OutstandingEntry<T>[] = [];
    for (const e of this.#entries.values()) {
      if (e.server === server) {
        e.server = undefined;
        back.push(e);
      }
    }
    this.#waiting.unshift(...back);
    this.#perServer.delete(server);
    return back.length;
  }

  /** In-flight messages on `server`. */
  onServer(server: number): number {
    return this.#perServer.get(server) ?? 0;
  }

  /** Removes and returns every message whose deadline is at or before `now`. */
  expired(now: number): OutstandingEntry<T>[] {
    const out: OutstandingEntry<T>[] = [];
    for (const e of this.#entries.values()) if (e.deadline <= now) out.push(e);
    for (const e of out) this.#remove(e.id);
    return out;
  }

  /** The earliest deadline of an outstanding message. */
  nextDeadline(): number | undefined {
    let t: number | undefined;
    for (const e of this.#entries.values()) if (t === undefined || e.deadline < t) t = e.deadline;
    return t;
  }

  #remove(id: string): OutstandingEntry<T> | undefined {
    const e = this.#entries.get(id);
    if (!e) return undefined;
    this.#entries.delete(id);
    if (e.server === undefined) {
      const i = this.#waiting.indexOf(e);
      if (i >= 0) this.#waiting.splice(i, 1);
    } else {
      this.#count(e.server, -1);
    }
    return e;
  }

  #count(server: number, delta: number): void {
    const n = (this.#perServer.get(server) ?? 0) + delta;
    if (n > 0) this.#perServer.set(server, n);
    else this.#perServer.delete(server);
  }
}
