/**
 * The ring protocol org.xlattice.pzog in uwsgi packets (modifier1 222): message types and
 * their vars. See docs/PROTOCOL.md.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import { decodeVarsBytes, encodeVars, encodeVarsPacket, type Packet, RING_MODIFIER1 } from "../packet/mod.ts";

/** Protocol name and version sent in HELLO. */
export const RING_PROTO = "org.xlattice.pzog/1";

/** modifier2 of each ring message. */
export const RingType = {
  HELLO: 0,
  KEEPALIVE: 1,
  ACK: 2,
  DATA: 3,
  OK: 4,
  ERROR: 5,
  SUBSCRIBE: 6,
  EVENT: 7,
  /** Many DATA in one packet (lib/ring/batch.ts). */
  DATA_BATCH: 8,
  /** Many OK in one packet. */
  OK_BATCH: 9,
  EVENT_ACK: 12,
  CAUGHT_UP: 13,
  /** Group messages taken from a member past their ack_wait (docs/PROTOCOL.md). */
  MOVED: 14,
  /** node → peer: messages the peer holds, from a seq or a time (lib/ring/peer_fetch.ts). */
  FETCH: 15,
  /** Answer to FETCH: messages in the DATA_BATCH form. */
  FETCHED: 16,
  /** Ends the answer to a FETCH: where the next page starts, and the peer's last seq. */
  FETCH_DONE: 17,
  /** A client asks for the node's durable listeners and groups (docs/PROTOCOL.md). */
  POSITIONS: 18,
  /** An admin client removes a durable listener or group. */
  POSITION_RM: 19,
} as const;

/** HELLO var by which a node says it takes DATA_BATCH (and answers it with OK_BATCH). */
export const BATCH_VAR = "batch";

/** A ring message type number. */
export type RingType = (typeof RingType)[keyof typeof RingType];

const NAMES = Object.fromEntries(Object.entries(RingType).map(([k, v]) => [v, k])) as Record<number, string>;

/** A decoded ring message: its type and raw var values. */
export interface RingMessage {
  type: RingType;
  /** The vars (empty for the batch types, whose keys repeat: read `payload` with lib/ring/batch.ts). */
  vars: Record<string, Uint8Array>;
  payload: Uint8Array;
}

/** Message ids: chosen by clients, 1–64 bytes of `[A-Za-z0-9._:-]`. */
export const ID_RE = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Builds a ring packet.
 *
 * @example
 * ```ts
 * conn.write(encodePacket(ringPacket(RingType.OK, { id })));
 * ```
 */
export function ringPacket(type: RingType, vars: Record<string, string | Uint8Array> = {}): Packet {
  return { modifier1: RING_MODIFIER1, modifier2: type, payload: encodeVars(vars) };
}

/**
 * The bytes of a ring packet, built in one buffer (what `encodePacket(ringPacket(...))` gives).
 *
 * @example
 * ```ts
 * conn.write(ringBytes(RingType.OK, { id }));
 * ```
 */
export function ringBytes(type: RingType, vars: Record<string, string | Uint8Array> = {}): Uint8Array {
  return encodeVarsPacket(RING_MODIFIER1, type, vars);
}

/**
 * Reads a ring packet (the decoder has already checked modifier1).
 *
 * @throws {ProtocolError} on an unknown type
 * @throws {PacketError} on malformed vars
 * @example
 * ```ts
 * const m = readRingPacket(packet);
 * if (m.type === RingType.DATA) console.log(new TextDecoder().decode(m.vars.id));
 * ```
 */
export function readRingPacket(p: Packet): RingMessage {
  if (!(p.modifier2 in NAMES)) throw new ProtocolError(`unknown ring message type ${p.modifier2}`);
  const type = p.modifier2 as RingType;
  const batch = type === RingType.DATA_BATCH || type === RingType.OK_BATCH || type === RingType.FETCHED;
  return { type, vars: batch ? {} : decodeVarsBytes(p.payload), payload: p.payload };
}

/** The name of a ring message type, for logs ("DATA"). */
export function ringTypeName(type: number): string {
  return NAMES[type] ?? `type ${type}`;
}
