/**
 * Batches on the wire (docs/PROTOCOL.md): DATA_BATCH carries many messages in one packet,
 * OK_BATCH acknowledges many. Both are ordinary vars payloads whose keys repeat: each
 * message of a DATA_BATCH is `id`, `msg` and (between nodes) `origin`, in that order; an
 * OK_BATCH is one `id` per acknowledged message. Packets are cut at `maxPayload` bytes.
 *
 * @module
 */
import { PacketError, ProtocolError } from "../errors.ts";
import { asBuffer, HEADER_SIZE, RING_MODIFIER1 } from "../packet/mod.ts";

/** One message of a DATA_BATCH. */
export interface BatchItem {
  id: string;
  /** The pzog message: wrapping digit, content, CRLF (bytes, or text written as UTF-8). */
  msg: Uint8Array | string;
  /** The node the message entered the ring at (node → node only). */
  origin?: string;
  /** With `msg` as bytes: the wrapping digit written in place of its first byte (a forward of the bytes received). */
  wrapping?: number;
}

/** A message as read from a DATA_BATCH: `msg` is a view into the packet. */
export interface ReadItem extends BatchItem {
  msg: Uint8Array;
}

const dec = new TextDecoder();
const byteLength = (v: Uint8Array | string): number => (typeof v === "string" ? Buffer.byteLength(v) : v.byteLength);

/** Builds packets of one type from repeated vars, starting a new packet when one is full. */
class PacketWriter {
  readonly packets: Uint8Array[] = [];
  #buf: Buffer;
  #start = 0;
  #o = HEADER_SIZE;

  constructor(
    readonly type: number,
    readonly maxPayload: number,
    sizeHint: number,
  ) {
    this.#buf = Buffer.allocUnsafe(Math.min(sizeHint, maxPayload + HEADER_SIZE));
  }

  /** Ensures `bytes` more fit in the current packet (cutting it when full). */
  room(bytes: number): void {
    if (this.#o - this.#start - HEADER_SIZE + bytes > this.maxPayload && this.#o > this.#start + HEADER_SIZE) this.#cut();
    if (this.#o + bytes > this.#buf.byteLength) {
      const next = Buffer.allocUnsafe(Math.max(this.#buf.byteLength * 2, this.#o + bytes));
      this.#buf.copy(next, 0, 0, this.#o);
      this.#buf = next;
    }
  }

  /** Writes one var (`room` was asked for it); an ASCII key, the value as bytes or UTF-8; `first` replaces the value's first byte. */
  pair(key: string, value: Uint8Array | string, first?: number): void {
    const b = this.#buf;
    let o = this.#o;
    // Keys are a few ASCII letters: copied here, not through a native call.
    b[o] = key.length;
    b[o + 1] = 0;
    for (let i = 0; i < key.length; i++) b[o + 2 + i] = key.charCodeAt(i);
    o += 2 + key.length;
    const len = typeof value === "string" ? b.write(value, o + 2, "utf8") : (b.set(value, o + 2), value.byteLength);
    b[o] = len & 0xff;
    b[o + 1] = len >>> 8;
    if (first !== undefined && len > 0) b[o + 2] = first;
    this.#o = o + 2 + len;
  }

  #cut(): void {
    const size = this.#o - this.#start - HEADER_SIZE;
    const b = this.#buf;
    b[this.#start] = RING_MODIFIER1;
    b[this.#start + 1] = size & 0xff;
    b[this.#start + 2] = size >>> 8;
    b[this.#start + 3] = this.type;
    this.packets.push(b.subarray(this.#start, this.#o));
    this.#start = this.#o;
    this.#o += HEADER_SIZE;
  }

  /** The packets, back to back in as few buffers as possible. */
  finish(): Uint8Array[] {
    if (this.#o > this.#start + HEADER_SIZE) this.#cut();
    return this.packets;
  }
}

/**
 * An item's message as sent: its `msg`, with the wrapping digit of `wrapping` in place of
 * the first byte when it has one (a copy; `msg` is left as it was).
 *
 * @example
 * ```ts
 * itemMessage({ id: "a-1", msg: new TextEncoder().encode("2hi\r\n"), wrapping: 0 }); // bytes of "0hi\r\n"
 * ```
 */
export function itemMessage(it: BatchItem): Uint8Array | string {
  if (it.wrapping === undefined || typeof it.msg === "string") return it.msg;
  const out = it.msg.slice();
  if (out.byteLength > 0) out[0] = 48 + it.wrapping;
  return out;
}

/**
 * DATA_BATCH packets holding `items`, each payload at most `maxPayload` bytes.
 *
 * @throws {RangeError} when one message alone does not fit in `maxPayload`
 * @example
 * ```ts
 * const msg = new TextEncoder().encode("hello");
 * for (const p of dataBatchPackets(RingType.DATA_BATCH, [{ id: "c1-1", msg }], 16384)) conn.write(p);
 * ```
 */
export function dataBatchPackets(type: number, items: readonly BatchItem[], maxPayload: number): Uint8Array[] {
  const w = new PacketWriter(type, maxPayload, items.length * 128 + HEADER_SIZE);
  for (const it of items) {
    const size = 13 + byteLength(it.id) + byteLength(it.msg) + (it.origin === undefined ? 0 : 10 + byteLength(it.origin));
    if (size > maxPayload) throw new RangeError(`message ${it.id} needs ${size} bytes; a batch packet holds ${maxPayload}`);
    w.room(size);
    w.pair("id", it.id);
    w.pair("msg", it.msg, it.wrapping === undefined || typeof it.msg === "string" ? undefined : 48 + it.wrapping);
    if (it.origin !== undefined) w.pair("origin", it.origin);
  }
  return w.finish();
}

/**
 * OK_BATCH packets acknowledging `ids`, each payload at most `maxPayload` bytes.
 *
 * @example
 * ```ts
 * for (const p of okBatchPackets(RingType.OK_BATCH, ["c1-1", "c1-2"], 16384)) conn.write(p);
 * ```
 */
export function okBatchPackets(type: number, ids: readonly string[], maxPayload: number): Uint8Array[] {
  const w = new PacketWriter(type, maxPayload, ids.length * 32 + HEADER_SIZE);
  for (const id of ids) {
    w.room(6 + byteLength(id));
    w.pair("id", id);
  }
  return w.finish();
}

/** Text (ids, node names): ASCII read natively, UTF-8 decoded otherwise. */
function text(payload: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) if (payload[i]! >= 0x80) return dec.decode(payload.subarray(start, end));
  return payload.toString("latin1", start, end);
}

const ORIGIN_KEY = Buffer.from("origin");

/** Whether `payload` holds the bytes of `want` at `start`. */
function sameBytes(payload: Uint8Array, start: number, want: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if (payload[start + i] !== want[i]) return false;
  return true;
}

/** The key at `start` (`len` bytes): the keys batches use without building a string, others as text. */
function keyAt(payload: Uint8Array, start: number, len: number): string {
  const b0 = payload[start];
  if (len === 2 && b0 === 0x69 && payload[start + 1] === 0x64) return "id";
  if (len === 3 && b0 === 0x6d && payload[start + 1] === 0x73 && payload[start + 2] === 0x67) return "msg";
  if (len === 6 && b0 === 0x6f && sameBytes(payload, start, ORIGIN_KEY)) return "origin";
  let key = "";
  for (let i = start; i < start + len; i++) key += String.fromCharCode(payload[i]!);
  return key;
}

/** Walks the repeated vars of a batch payload: `onPair(key, start, end)` (the value's bytes) in order. */
function eachPair(payload: Uint8Array, onPair: (key: string, start: number, end: number, at: number) => void): void {
  let o = 0;
  while (o < payload.byteLength) {
    const at = o;
    if (o + 2 > payload.byteLength) throw new PacketError("truncated key length", o);
    const kLen = payload[o]! | (payload[o + 1]! << 8);
    const kEnd = o + 2 + kLen;
    if (kEnd + 2 > payload.byteLength)
      throw new PacketError(`key length ${kLen} runs past the end of the ${payload.byteLength}-byte payload`, o);
    const vLen = payload[kEnd]! | (payload[kEnd + 1]! << 8);
    const vEnd = kEnd + 2 + vLen;
    if (vEnd > payload.byteLength)
      throw new PacketError(`value length ${vLen} runs past the end of the ${payload.byteLength}-byte payload`, kEnd);
    onPair(keyAt(payload, o + 2, kLen), kEnd + 2, vEnd, at);
    o = vEnd;
  }
}

/**
 * The messages of a DATA_BATCH payload. Ids are decoded as UTF-8 (the caller checks
 * their syntax); `msg` values stay views into `payload`.
 *
 * @throws {PacketError} on malformed vars
 * @throws {ProtocolError} on a `msg` or `origin` before any `id`, or an `id` without `msg`
 * @example
 * ```ts
 * for (const it of readDataBatch(packet.payload)) console.log(it.id, it.msg.byteLength, it.origin);
 * ```
 */
export function readDataBatch(bytes: Uint8Array): ReadItem[] {
  const payload = asBuffer(bytes);
  const items: ReadItem[] = [];
  let cur: ReadItem | undefined;
  // A batch's messages come from a few origins: the last one's text is reused while its bytes repeat.
  let origin = { text: "", start: 0, end: 0 };
  const done = () => {
    if (cur && cur.msg === undefined) throw new ProtocolError(`message ${JSON.stringify(cur.id.slice(0, 64))} of a DATA_BATCH has no msg`);
  };
  eachPair(payload, (key, start, end) => {
    if (key === "id") {
      done();
      // Every field from the start: one object shape for all items.
      cur = { id: text(payload, start, end), msg: undefined!, origin: undefined };
      items.push(cur);
    } else if (!cur) throw new ProtocolError(`DATA_BATCH var "${key.slice(0, 16)}" before any id`);
    else if (key === "msg") cur.msg = payload.subarray(start, end);
    else if (key === "origin") {
      const same = end - start === origin.end - origin.start && payload.compare(payload, origin.start, origin.end, start, end) === 0;
      if (!same) origin = { text: text(payload, start, end), start, end };
      cur.origin = origin.text;
    }
  });
  done();
  return items;
}

/**
 * The ids an OK_BATCH payload acknowledges (other keys are ignored).
 *
 * @throws {PacketError} on malformed vars
 * @example
 * ```ts
 * for (const id of readOkBatch(packet.payload)) console.log("acknowledged", id);
 * ```
 */
export function readOkBatch(bytes: Uint8Array): string[] {
  const payload = asBuffer(bytes);
  const ids: string[] = [];
  eachPair(payload, (key, start, end) => {
    if (key === "id") ids.push(text(payload, start, end));
  });
  return ids;
}
