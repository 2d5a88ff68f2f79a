/**
 * A message a node still has to deliver to some peers.
 *
 * @module
 */

/** A recorded message and the peers that have not acknowledged it yet. */
export interface Entry {
  id: string;
  /** Ring position of the node a client handed it to. */
  origin: number;
  /** The content: no wrapping digit, no CRLF. */
  content: string;
  /**
   * The message as this node received it (any wrapping digit, the content's bytes, CRLF), when
   * it has them: a hop gets these bytes with the digit replaced instead of the content
   * encoded again.
   */
  msg?: Uint8Array;
  /**
   * Peers still owed the message, with the wrapping each gets. With `sharedDests` the map is
   * shared with every message of the same route: it is replaced by a copy before it changes.
   */
  dests: Map<number, number>;
  /** `dests` is a route's map, shared (the node copies it before changing it). */
  sharedDests?: boolean;
  /** The seq this node logged it under (a message it logs; not for forward-only duties). */
  seq?: number;
  /** Peers whose forwarding duty this node already took over while they were down. */
  takenOver?: Set<number>;
  /**
   * A client's quorum message still sent to the rule's hops alone (their OKs and this node's
   * make a majority): once a peer owing it is down, or its hops are slow to answer, it goes to
   * every other node (quorum.ts).
   */
  quorum?: boolean;
  /**
   * A client's quorum message (widened or not, or a client's retry of one): each node it is
   * sent to is asked to answer without waiting for a later fsync (`sync` = `1`).
   */
  prompt?: boolean;
}

const enc = new TextEncoder();

/**
 * The pzog message for a hop: wrapping digit, content, CRLF.
 *
 * @example
 * ```ts
 * messageBytes("hi", 2); // bytes of "2hi\r\n"
 * ```
 */
export function messageBytes(content: string, wrapping: number): Uint8Array {
  return enc.encode(`${wrapping}${content}\r\n`);
}
