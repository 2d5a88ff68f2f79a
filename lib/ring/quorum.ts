/**
 * The quorum acknowledgement rule (`ack = "quorum"`, SPEC section 2): a client's `ok` only
 * once a majority of the ring's nodes, the entry node included, hold the message durably.
 * Pure: who holds what in, replies out; the node feeds it its own sync and its peers' OKs.
 *
 * Who reports to the entry node: only nodes it sent the message to itself, each on its own
 * link; no node reports for another. The forwarding rule's hops are enough while they are
 * up: a client message goes to k = ceil((N-1)/2) of them, and 1 + k = floor(N/2) + 1 is a
 * majority for every N (a property test in tests/ring/quorum_test.ts). So a quorum message costs what a local one
 * does: no copy more on the wire, none dropped as a duplicate. Once a peer owing it is down,
 * or its hops have not all answered within {@link QUORUM_WIDEN_MS}, the entry node sends it
 * straight to every other node too ({@link quorumDests}, wrapping 0).
 *
 * @module
 */

/** How a client's messages are acknowledged: by the entry node alone, or by a majority. */
export type AckMode = "local" | "quorum";

/**
 * How many nodes of a ring of `n` are a majority: floor(n / 2) + 1.
 *
 * @param n ring size (1 or more)
 * @throws {RangeError} on a size that is not a positive integer
 * @example
 * ```ts
 * quorumSize(5); // 3
 * quorumSize(4); // 3
 * ```
 */
export function quorumSize(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`ring size ${n} is not a positive integer`);
  return Math.floor(n / 2) + 1;
}

/**
 * Where a quorum message goes from its entry node once a peer owing it is down: the
 * forwarding rule's hops, and every
 * other node not among them with wrapping 0 (it forwards nothing further).
 *
 * @param n ring size
 * @param self the entry node's position
 * @param hops the forwarding rule's [position, wrapping] pairs from a client
 * @example
 * ```ts
 * quorumDests(5, 0, [[1, 2], [2, 2]]); // [[1, 2], [2, 2], [3, 0], [4, 0]]
 * ```
 */
export function quorumDests(n: number, self: number, hops: readonly [number, number][]): [number, number][] {
  const out = [...hops];
  const have = new Set(hops.map(([p]) => p));
  for (let p = 0; p < n; p++) if (p !== self && !have.has(p)) out.push([p, 0]);
  return out;
}

/** How long a quorum message waits for a majority when the client does not say (sprog's default timeout). */
export const QUORUM_WAIT_MS = 10_000;

/**
 * How long a quorum message waits for its hops' OKs before the entry node sends it to every
 * other node too: a hop that is slow, or hung and not yet found so (that takes up to 4 s),
 * holds up no ok for longer than this.
 */
export const QUORUM_WIDEN_MS = 500;

/** What a waiting client is told: nothing for `ok`, a reason for ERROR. */
export type QuorumReply = (error?: string) => void;

interface Wait {
  holders: Set<number>;
  deadline: number;
  replies: QuorumReply[];
  /** Called once at `at` if the wait is still open then (see {@link QuorumWaits.whenSlow}). */
  slow?: { at: number; then: () => void };
}

/**
 * The messages waiting for a majority, by id. Time is passed in (a monotonic clock).
 *
 * @example
 * ```ts
 * const waits = new QuorumWaits(5);
 * waits.add("c1-1", 10_000, (err) => console.log(err ?? "ok"));
 * waits.held("c1-1", 0); waits.held("c1-1", 3); waits.held("c1-1", 4); // prints "ok"
 * ```
 */
export class QuorumWaits {
  readonly #waits = new Map<string, Wait>();
  /** Nodes a message needs. */
  readonly need: number;

  /** @param n ring size */
  constructor(readonly n: number) {
    this.need = quorumSize(n);
  }

  /** Messages waiting. */
  get size(): number {
    return this.#waits.size;
  }

  /** Waits for `id` until `deadline` (another wait for the same id joins it). */
  add(id: string, deadline: number, reply: QuorumReply): void {
    const w = this.#waits.get(id);
    if (!w) return void this.#waits.set(id, { holders: new Set(), deadline, replies: [reply] });
    w.replies.push(reply);
    w.deadline = Math.max(w.deadline, deadline);
  }

  /** Node `node` holds `id` durably: its waiters get `ok` once a majority does. */
  held(id: string, node: number): void {
    const w = this.#waits.get(id);
    if (!w) return;
    w.holders.add(node);
    if (w.holders.size < this.need) return;
    this.#waits.delete(id);
    for (const r of w.replies) r();
  }

  /** Calls `then` once at `at` (from {@link expire}) if `id` still waits then; nothing if it does not wait now. */
  whenSlow(id: string, at: number, then: () => void): void {
    const w = this.#waits.get(id);
    if (w) w.slow = { at, then };
  }

  /** `id` could not be recorded here: its waiters get ERROR `reason` at once. */
  failed(id: string, reason: string): void {
    const w = this.#waits.get(id);
    if (!w) return;
    this.#waits.delete(id);
    for (const r of w.replies) r(reason);
  }

  /** Calls the slow waits' `then` (see {@link whenSlow}) and answers ERROR to every wait whose deadline is past `now`; returns how many. */
  expire(now: number): number {
    let n = 0;
    for (const [id, w] of this.#waits) {
      const slow = w.slow;
      if (slow && slow.at <= now) {
        w.slow = undefined;
        slow.then();
      }
      if (w.deadline > now) continue;
      this.#waits.delete(id);
      n++;
      const reason = `no quorum: held durably by ${w.holders.size} of ${this.n} nodes (${this.need} needed) when the wait ended; retry, or check the ring's nodes`;
      for (const r of w.replies) r(reason);
    }
    return n;
  }
}
