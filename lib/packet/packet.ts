/**
 * The uwsgi packet header: `[modifier1 u8][datasize u16 LE][modifier2 u8][payload]`.
 *
 * @module
 */
import { encodeVarsAfter } from "./vars.ts";

/** Largest payload one packet can carry (datasize is a u16). */
export const MAX_PAYLOAD = 0xffff;

/** Bytes in a packet header. */
export const HEADER_SIZE = 4;

/** One uwsgi packet. modifier1 names the protocol family, modifier2 the message type. */
export interface Packet {
  modifier1: number;
  modifier2: number;
  payload: Uint8Array;
}

function checkModifier(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new RangeError(`${name} must be an integer 0..255, got ${value}`);
  }
}

/**
 * Writes one packet into `out` at `offset` and returns the offset after it.
 * Used to pack many packets into one buffer for a single socket write.
 *
 * @throws {RangeError} if the payload exceeds 65535 bytes, a modifier is out of range,
 *   or `out` is too small
 * @example
 * ```ts
 * const p = packet;
 * const out = new Uint8Array(packetSize(p));
 * writePacket(out, 0, p);
 * ```
 */
export function writePacket(out: Uint8Array, offset: number, p: Packet): number {
  const size = p.payload.byteLength;
  if (size > MAX_PAYLOAD) {
    throw new RangeError(`uwsgi payload is ${size} bytes; the limit is ${MAX_PAYLOAD}`);
  }
  checkModifier("modifier1", p.modifier1);
  checkModifier("modifier2", p.modifier2);
  if (offset + HEADER_SIZE + size > out.byteLength) {
    throw new RangeError(`buffer of ${out.byteLength} bytes cannot hold a packet at ${offset}`);
  }
  out[offset] = p.modifier1;
  out[offset + 1] = size & 0xff;
  out[offset + 2] = size >>> 8;
  out[offset + 3] = p.modifier2;
  out.set(p.payload, offset + HEADER_SIZE);
  return offset + HEADER_SIZE + size;
}

/** Bytes that `p` takes on the wire. */
export function packetSize(p: Packet): number {
  return HEADER_SIZE + p.payload.byteLength;
}

/**
 * Encodes one packet.
 *
 * @throws {RangeError} if the payload exceeds 65535 bytes or a modifier is not a u8
 * @example
 * ```ts
 * const bytes = encodePacket({ modifier1: 0, modifier2: 0, payload: encodeVars({ PATH_INFO: "/" }) });
 * ```
 */
export function encodePacket(p: Packet): Uint8Array {
  const out = new Uint8Array(packetSize(p));
  writePacket(out, 0, p);
  return out;
}

/**
 * Encodes several packets into one buffer, for one socket write.
 *
 * @throws {RangeError} as {@link encodePacket}
 * @example
 * ```ts
 * conn.write(encodePackets([packet, packet]));
 * ```
 */
export function encodePackets(packets: readonly Packet[]): Uint8Array {
  let total = 0;
  for (const p of packets) total += packetSize(p);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of packets) offset = writePacket(out, offset, p);
  return out;
}

/**
 * Encodes one packet whose payload is `vars`, built in place (one buffer, no payload copy):
 * the same bytes as `encodePacket({ modifier1, modifier2, payload: encodeVars(vars) })`.
 *
 * @throws {RangeError} as {@link encodePacket} and {@link encodeVars}
 * @example
 * ```ts
 * conn.write(encodeVarsPacket(222, 4, { id: "a-1" }));
 * ```
 */
export function encodeVarsPacket(modifier1: number, modifier2: number, vars: Record<string, string | Uint8Array>): Uint8Array {
  checkModifier("modifier1", modifier1);
  checkModifier("modifier2", modifier2);
  const out = encodeVarsAfter(vars, HEADER_SIZE);
  const size = out.byteLength - HEADER_SIZE;
  if (size > MAX_PAYLOAD) throw new RangeError(`uwsgi payload is ${size} bytes; the limit is ${MAX_PAYLOAD}`);
  out[0] = modifier1;
  out[1] = size & 0xff;
  out[2] = size >>> 8;
  out[3] = modifier2;
  return out;
}
