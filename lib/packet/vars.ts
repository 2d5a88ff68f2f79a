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

// Keys come from a small fixed set per protocol: encode each once (bounded, so odd keys
// from callers cannot grow it).
const keyCache = new Map<string, Uint8Array>();
function keyBytes(key: string): Uint8Array {
  let k = keyCache.get(key);
  if (k === undefined) {
    k = encoder.encode(key);
    if (keyCache.size < 256) keyCache.set(key, k);
  }
  return k;
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
  return encodeVarsAfter(vars, 0);
}

/**
 * The vars payload of `vars` at offset `reserved` of a new buffer whose first `reserved`
 * bytes are left for the caller (a packet header): one allocation, no copy.
 */
export function encodeVarsAfter(vars: Record<string, string | Uint8Array>, reserved: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = reserved;
  for (const key of Object.keys(vars)) {
    const k = keyBytes(key);
    const v = toBytes(vars[key]!);
    if (k.byteLength > 0xffff) throw new RangeError(`var key "${key.slice(0, 32)}…" is ${k.byteLength} bytes; the limit is 65535`);
    if (v.byteLength > 0xffff) throw new RangeError(`var "${key}" is ${v.byteLength} bytes; the limit is 65535`);
    parts.push(k, v);
    total += 4 + k.byteLength + v.byteLength;
  }
  const out = new Uint8Array(total);
  let o = reserved;
  for (const part of parts) {
    out[o] = part.byteLength & 0xff;
    out[o + 1] = part.byteLength >>> 8;
    out.set(part, o + 2);
    o += 2 + part.byteLength;
  }
  return out;
}

function fieldEnd(payload: Uint8Array, o: number, what: string): number {
  if (o + 2 > payload.byteLength) throw new PacketError(`truncated ${what} length`, o);
  const len = payload[o]! | (payload[o + 1]! << 8);
  const end = o + 2 + len;
  if (end > payload.byteLength) {
    throw new PacketError(`${what} length ${len} runs past the end of the ${payload.byteLength}-byte payload`, o);
  }
  return end;
}

/** A key's text: short ASCII keys (all of this project's) without a decoder call. */
function keyText(payload: Uint8Array, start: number, end: number, at: number): string {
  if (end - start <= 16) {
    let s = "";
    for (let i = start; i < end; i++) {
      const b = payload[i]!;
      if (b >= 0x80) return strictKey(payload, start, end, at);
      s += String.fromCharCode(b);
    }
    return s;
  }
  return strictKey(payload, start, end, at);
}

function strictKey(payload: Uint8Array, start: number, end: number, at: number): string {
  try {
    return strictDecoder.decode(payload.subarray(start, end));
  } catch {
    throw new PacketError("key is not valid UTF-8", at + 2);
  }
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
    const keyEnd = fieldEnd(payload, o, "key");
    const valEnd = fieldEnd(payload, keyEnd, "value");
    out[keyText(payload, at + 2, keyEnd, at)] = payload.subarray(keyEnd + 2, valEnd);
    o = valEnd;
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

/**
 * `bytes` as a Buffer sharing its memory: a Buffer reads ASCII text natively
 * (`toString("latin1", start, end)`: a third of the time of building the string byte by
 * byte, half that of a TextDecoder call).
 *
 * @example
 * ```ts
 * asBuffer(payload).toString("latin1", 2, 8);
 * ```
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
