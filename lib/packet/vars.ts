/**
 * uwsgi vars payloads: a sequence of `[key_len u16 LE][key][val_len u16 LE][val]`.
 *
 * @module
 */
import { PacketError } from "../errors.ts";

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const lenientDecoder = new TextDecoder("utf-8");

function toBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === "string" ? encoder.encode(v) : v;
}

/**
 * Encodes vars into a uwsgi vars payload, in the object's key order.
 *
 * @throws {RangeError} if a key or value is longer than 65535 bytes
 * @example
 * ```ts
 * const payload = encodeVars({ REQUEST_METHOD: "GET", PATH_INFO: "/" });
 * ```
 */
export function encodeVars(vars: Record<string, string | Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const key of Object.keys(vars)) {
    const k = encoder.encode(key);
    const v = toBytes(vars[key]!);
    if (k.byteLength > 0xffff) throw new RangeError(`var key "${key.slice(0, 32)}…" is ${k.byteLength} bytes; the limit is 65535`);
    if (v.byteLength > 0xffff) throw new RangeError(`var "${key}" is ${v.byteLength} bytes; the limit is 65535`);
    parts.push(k, v);
    total += 4 + k.byteLength + v.byteLength;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    out[o] = part.byteLength & 0xff;
    out[o + 1] = part.byteLength >>> 8;
    out.set(part, o + 2);
    o += 2 + part.byteLength;
  }
  return out;
}

function readField(payload: Uint8Array, o: number, what: string): [Uint8Array, number] {
  if (o + 2 > payload.byteLength) throw new PacketError(`truncated ${what} length`, o);
  const len = payload[o]! | (payload[o + 1]! << 8);
  const end = o + 2 + len;
  if (end > payload.byteLength) {
    throw new PacketError(`${what} length ${len} runs past the end of the ${payload.byteLength}-byte payload`, o);
  }
  return [payload.subarray(o + 2, end), end];
}

/**
 * Decodes a vars payload keeping values as raw bytes (views into `payload`).
 *
 * @throws {PacketError} on a truncated var, a length past the end, or bad UTF-8 in a key
 * @example
 * ```ts
 * const body = decodeVarsBytes(payload).body;
 * ```
 */
export function decodeVarsBytes(payload: Uint8Array): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = Object.create(null);
  let o = 0;
  while (o < payload.byteLength) {
    const at = o;
    const [k, afterKey] = readField(payload, o, "key");
    const [v, afterVal] = readField(payload, afterKey, "value");
    let key: string;
    try {
      key = strictDecoder.decode(k);
    } catch {
      throw new PacketError("key is not valid UTF-8", at + 2);
    }
    out[key] = v;
    o = afterVal;
  }
  return out;
}

/**
 * Decodes a vars payload. Values that are not valid UTF-8 are decoded with U+FFFD;
 * use {@link decodeVarsBytes} where values are binary.
 *
 * @throws {PacketError} on a truncated var, a length past the end, or bad UTF-8 in a key
 * @example
 * ```ts
 * decodeVars(encodeVars({ a: "1" })); // { a: "1" }
 * ```
 */
export function decodeVars(payload: Uint8Array): Record<string, string> {
  const raw = decodeVarsBytes(payload);
  const out: Record<string, string> = Object.create(null);
  for (const key in raw) out[key] = lenientDecoder.decode(raw[key]);
  return out;
}
