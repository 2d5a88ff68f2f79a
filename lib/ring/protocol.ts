/**
 * The ring protocol org.xlattice.pzog in uwsgi packets (modifier1 222): message types and
 * their vars. See docs/PROTOCOL.md.
 *
 * @module
 */
import { PacketError } from "../errors.ts";
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
  EVENT_ACK: 12,
  CAUGHT_UP: 13,
} as const;

/** A ring message type number. */
export type RingType = (typeof RingType)[keyof typeof RingType];

const NAMES = Object.fromEntries(Object.entries(RingType).map(([k, v]) => [v, k])) as Record<number, string>;

/** A decoded ring message: its type and raw var values. */
export interface RingMessage {
  type: RingType;
  vars: Record<string, Uint8Array>;
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
 * @throws {PacketError} on an unknown type or malformed vars
 * @example
 * ```ts
 * const m = readRingPacket(packet); if (m.type === RingType.DATA) ...
 * ```
 */
export function readRingPacket(p: Packet): RingMessage {
  if (!(p.modifier2 in NAMES)) throw new PacketError(`unknown ring message type ${p.modifier2}`, 3);
  return { type: p.modifier2 as RingType, vars: decodeVarsBytes(p.payload) };
}

/** The name of a ring message type, for logs ("DATA"). */
export function ringTypeName(type: number): string {
  return NAMES[type] ?? `type ${type}`;
}
