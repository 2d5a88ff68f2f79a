/**
 * The forwarding rule of the ring (SPEC section 2, the seed's rule of 2012-09-25
 * generalised to N nodes). Pure: positions in, destinations out.
 *
 * @module
 */

/** One forwarding duty: send to ring position `node` with wrapping digit `wrapping`. */
export interface Hop {
  node: number;
  wrapping: number;
}

/**
 * The fan-out of a client message: k = ceil((N-1)/2).
 *
 * @example
 * ```ts
 * fanOut(5); // 2
 * ```
 */
export function fanOut(n: number): number {
  return Math.ceil((n - 1) / 2);
}

/**
 * Where a node forwards a message.
 *
 * - From a client: to +1 … +k, offset i getting wrapping k when i + k ≤ N-1, else 0.
 * - From a peer with wrapping w ≠ 0: to +w with wrapping 0.
 * - From a peer with wrapping 0: nowhere (log only).
 *
 * @param n ring size (2..19)
 * @param self the receiving node's position
 * @param from "client", or the wrapping digit the message arrived with from a peer
 * @throws {RangeError} on a ring size, position or wrapping out of range
 * @example
 * ```ts
 * forwardHops(5, 4, "client"); // [{ node: 0, wrapping: 2 }, { node: 1, wrapping: 2 }]
 * forwardHops(5, 0, 2); // [{ node: 2, wrapping: 0 }]
 * ```
 */
export function forwardHops(n: number, self: number, from: "client" | number): Hop[] {
  if (!Number.isInteger(n) || n < 2 || n > 19) throw new RangeError(`ring size ${n} is not 2..19`);
  if (!Number.isInteger(self) || self < 0 || self >= n) throw new RangeError(`position ${self} is not in a ring of ${n}`);
  if (from === "client") {
    const k = fanOut(n);
    const hops: Hop[] = [];
    for (let i = 1; i <= k; i++) hops.push({ node: (self + i) % n, wrapping: i + k <= n - 1 ? k : 0 });
    return hops;
  }
  if (!Number.isInteger(from) || from < 0 || from >= n) throw new RangeError(`wrapping ${from} is not 0..${n - 1}`);
  return from === 0 ? [] : [{ node: (self + from) % n, wrapping: 0 }];
}

/**
 * The hop that takes over a peer's duty while it is down: a message owed to peer `hop.node`
 * with wrapping w ≠ 0 also goes straight to that peer's +w with wrapping 0. Undefined for
 * wrapping 0 (the peer had nothing to forward).
 *
 * @example
 * ```ts
 * takeoverHop(5, { node: 1, wrapping: 2 }); // { node: 3, wrapping: 0 }
 * ```
 */
export function takeoverHop(n: number, hop: Hop): Hop | undefined {
  return hop.wrapping === 0 ? undefined : { node: (hop.node + hop.wrapping) % n, wrapping: 0 };
}
