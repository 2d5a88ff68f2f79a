/**
 * Reading ring packets from a connection: bytes in, messages out, through the shared read
 * loop ({@link readPackets}): the peer's bad input is logged, answered with ERROR {reason}
 * and closes that one connection; the node's own bugs are logged, not blamed on the peer.
 *
 * @module
 */
import { type Conn, type PacketReader, readPackets } from "../net/mod.ts";
import { RING_MODIFIER1 } from "../packet/mod.ts";
import { getLogger } from "../log/mod.ts";
import { type RingMessage, readRingPacket, ringBytes, RingType } from "./protocol.ts";

const log = getLogger("zog", "conn");

/** Largest ring packet payload accepted: a DATA is well under 1 KiB. */
export const MAX_RING_PAYLOAD = 16 * 1024;

/**
 * Feeds `conn`'s bytes through a ring packet decoder to `onMessage`. Garbage, a wrong
 * modifier1 or an unknown type is logged (with `what` and the address), answered with
 * ERROR {reason} and closes `conn`; an exception of the node's own is logged as an
 * internal error and closes `conn` without telling the peer. `opts.onChunk` hears of every
 * chunk read, and whether it left a packet incomplete (for the client port's timeouts);
 * `opts.first` is a chunk already read off `conn`, decoded first.
 *
 * @returns the reader: {@link PacketReader.stop} it when refusing the connection
 * @example
 * ```ts
 * readMessages(conn, "client", (m) => console.log(m.type));
 * ```
 */
export function readMessages(
  conn: Conn,
  what: string,
  onMessage: (m: RingMessage) => void,
  opts: { onChunk?: (partial: boolean) => void; first?: Uint8Array } = {},
): PacketReader {
  return readPackets(conn, {
    decoder: { maxPayload: MAX_RING_PAYLOAD, modifier1: RING_MODIFIER1, family: "ring" },
    what,
    log,
    onPacket: (p) => onMessage(readRingPacket(p)),
    answer: (reason) => ringBytes(RingType.ERROR, { reason }),
    ...opts,
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
