/**
 * The EVENT a listener gets for a logged message.
 *
 * @module
 */
import { messageBytes } from "../entry.ts";
import { ringBytes, RingType } from "../protocol.ts";
import type { NewMessage } from "./store.ts";

/**
 * The bytes of EVENT {id, node, msg, seq} for a message stored under `seq`.
 *
 * @example
 * ```ts
 * conn.write(eventBytes({ id: "c5-1", origin: "MV", content: "hello" }, 7));
 * ```
 */
export function eventBytes(m: NewMessage, seq: number): Uint8Array {
  return ringBytes(RingType.EVENT, { id: m.id, node: m.origin, msg: messageBytes(m.content, 0), seq: String(seq) });
}
