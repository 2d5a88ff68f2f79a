/**
 * Reading ring packets from a connection: bytes in, messages out; malformed bytes close
 * that one connection and are logged.
 *
 * @module
 */
import type { Conn } from "../net/mod.ts";
import { PacketDecoder, RING_MODIFIER1 } from "../packet/mod.ts";
import { getLogger } from "../log/logging.ts";
import { type RingMessage, readRingPacket, ringBytes, RingType } from "./protocol.ts";

const log = getLogger("zog", "conn");

/** Largest ring packet payload accepted: a DATA is well under 1 KiB. */
export const MAX_RING_PAYLOAD = 16 * 1024;

/**
 * Feeds `conn`'s bytes through a ring packet decoder to `onMessage`. Garbage, a wrong
 * modifier1 or an unknown type is logged (with `what` and the address), answered with
 * ERROR {reason} and closes `conn`. `onChunk` hears of every chunk read, and whether it
 * left a packet incomplete (for the client port's timeouts).
 *
 * @example
 * ```ts
 * readMessages(conn, "client", (m) => handle(m));
 * ```
 */
export function readMessages(conn: Conn, what: string, onMessage: (m: RingMessage) => void, onChunk?: (partial: boolean) => void): void {
  const decoder = new PacketDecoder({ maxPayload: MAX_RING_PAYLOAD, modifier1: RING_MODIFIER1, family: "ring" });
  conn.onData((chunk) => {
    if (conn.closed) return;
    try {
      for (const p of decoder.push(chunk)) {
        onMessage(readRingPacket(p));
        if (conn.closed) return;
      }
      onChunk?.(decoder.buffered > 0);
    } catch (e) {
      const reason = (e as Error).message;
      log.warn("closing {what} connection from {remote}: {error}", { what, remote: conn.remote, error: reason });
      // Best effort: a sender that still reads learns why (docs/PROTOCOL.md promises it).
      conn.write(ringBytes(RingType.ERROR, { reason }));
      conn.close();
    }
  });
}

const dec = new TextDecoder();

/**
 * A var as text ("" when absent).
 *
 * @example
 * ```ts
 * readMessages(conn, "client", (m) => console.log(varText(m, "id")));
 * ```
 */
export function varText(m: RingMessage, key: string): string {
  const v = m.vars[key];
  return v === undefined ? "" : dec.decode(v);
}
