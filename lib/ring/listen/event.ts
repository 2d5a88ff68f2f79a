/**
 * The EVENT a listener gets for a logged message.
 *
 * @module
 */
import { messageBytes } from "../entry.ts";
import { ringBytes, RingType } from "../protocol.ts";
import type { StoredMessage } from "./store.ts";

/**
 * The bytes of EVENT {id, node, msg, seq} for a stored message.
 *
 * @example
 * ```ts
 * conn.write(eventBytes({ seq: 7, ts: Date.now(), id: "c5-1", origin: "MV", content: "hello" }));
 * ```
 */
export function eventBytes(m: StoredMessage): Uint8Array {
  return ringBytes(RingType.EVENT, { id: m.id, node: m.origin, msg: messageBytes(m.content, 0), seq: String(m.seq) });
}
