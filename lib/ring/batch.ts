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
 * Builds DATA_BATCH packets one message at a time (no object per message), each payload at
 * most `maxPayload` bytes; {@link finish} gives the packets.
 *
 * @example
 * ```ts
 * const w = new DataBatchWriter(RingType.DATA_BATCH, 16384);
 * w.add("c1-1", new TextEncoder().encode("2hello\r\n"), "MV", 0); // forwarded with wrapping 0
 * for (const p of w.finish()) conn.write(p);
 * ```
 */
export class DataBatchWriter {
  readonly #w: PacketWriter;

  /**
   * @param type the packets' modifier2 (DATA_BATCH, FETCHED)
   * @param maxPayload the largest payload of one packet
   * @param sizeHint bytes to start with (the buffer grows as needed)
   */
  constructor(type: number, maxPayload: number, sizeHint = 4096) {
    this.#w = new PacketWriter(type, maxPayload, sizeHint);
  }

  /**
   * Adds one message: `msg` as bytes (with `wrapping`'s digit in place of its first byte,
   * when given) or as text written in UTF-8; `origin` between nodes; `prompt`: `sync` = `1`,
   * the sender waits on its OK to count a majority (the receiver does not wait for a later
   * fsync to answer it).
   *
   * @throws {RangeError} when the message alone does not fit in a packet
   */
  add(id: string, msg: Uint8Array | string, origin?: string, wrapping?: number, prompt = false): void {
    const w = this.#w;
    const size = 13 + byteLength(id) + byteLength(msg) + (origin === undefined ? 0 : 10 + byteLength(origin)) + (prompt ? 9 : 0);
    if (size > w.maxPayload) throw new RangeError(`message ${id} needs ${size} bytes; a batch packet holds ${w.maxPayload}`);
    w.room(size);
    w.pair("id", id);
    w.pair("msg", msg, wrapping === undefined || typeof msg === "string" ? undefined : 48 + wrapping);
    if (origin !== undefined) w.pair("origin", origin);
    if (prompt) w.pair("sync", "1");
  }

  /** The packets, back to back in as few buffers as possible. */
  finish(): Uint8Array[] {
    return this.#w.finish();
  }
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
  const w = new DataBatchWriter(type, maxPayload, items.length * 128 + HEADER_SIZE);
  for (const it of items) w.add(it.id, it.msg, it.origin);
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

/** The key at `start` (`len` bytes) as text, for error messages. */
function keyAt(payload: Uint8Array, start: number, len: number): string {
  let key = "";
  for (let i = start; i < start + len; i++) key += String.fromCharCode(payload[i]!);
  return key;
}

/** The keys batches use, told apart by their bytes without building a string. */
const OTHER = 0;
const ID = 1;
const MSG = 2;
const ORIGIN = 3;
const SYNC = 4;

/** Which of the batches' keys is at `start` (`len` bytes). */
function keyKind(payload: Uint8Array, start: number, len: number): number {
  const b0 = payload[start];
  if (len === 2 && b0 === 0x69 && payload[start + 1] === 0x64) return ID;
  if (len === 3 && b0 === 0x6d && payload[start + 1] === 0x73 && payload[start + 2] === 0x67) return MSG;
  if (len === 6 && b0 === 0x6f && sameBytes(payload, start, ORIGIN_KEY)) return ORIGIN;
  if (len === 4 && b0 === 0x73 && payload[start + 1] === 0x79 && payload[start + 2] === 0x6e && payload[start + 3] === 0x63) return SYNC;
  return OTHER;
}

/** Walks the repeated vars of a batch payload: `onVar(kind, start, end, keyStart, keyLen)` (the value's bytes) in order. */
function eachVar(payload: Uint8Array, onVar: (kind: number, start: number, end: number, keyStart: number, keyLen: number) => void): void {
  let o = 0;
  const size = payload.byteLength;
  while (o < size) {
    if (o + 2 > size) throw new PacketError("truncated key length", o);
    const kLen = payload[o]! | (payload[o + 1]! << 8);
    const kEnd = o + 2 + kLen;
    if (kEnd + 2 > size) throw new PacketError(`key length ${kLen} runs past the end of the ${size}-byte payload`, o);
    const vLen = payload[kEnd]! | (payload[kEnd + 1]! << 8);
    const vEnd = kEnd + 2 + vLen;
    if (vEnd > size) throw new PacketError(`value length ${vLen} runs past the end of the ${size}-byte payload`, kEnd);
    onVar(keyKind(payload, o + 2, kLen), kEnd + 2, vEnd, o + 2, kLen);
    o = vEnd;
  }
}

/** One message of a DATA_BATCH as {@link forEachDataItem} hands it over: `msg` is a view into the payload. */
export type OnDataItem = (id: string, msg: Uint8Array, origin: string | undefined, prompt: boolean) => void;

/**
 * Reads a DATA_BATCH payload in one pass, without an object per message, and then hands
 * each message to `onItem` in order (the whole payload is checked first: a malformed
 * packet hands over nothing). Ids and origins are decoded as UTF-8 (the caller checks their
 * syntax); a batch's messages come from a few origins, so an origin's text is reused while
 * its bytes repeat.
 *
 * @throws {PacketError} on malformed vars
 * @throws {ProtocolError} on a `msg` or `origin` before any `id`, or an `id` without `msg`
 * @example
 * ```ts
 * forEachDataItem(packet.payload, (id, msg, origin) => console.log(id, msg.byteLength, origin));
 * ```
 */
export function forEachDataItem(bytes: Uint8Array, onItem: OnDataItem): void {
  const payload = asBuffer(bytes);
  const ids: string[] = [];
  // Per message: where its msg starts and ends; its origin's index in `origins` (-1: none).
  const spans: number[] = [];
  const origins: string[] = [];
  let originAt = -1;
  let oStart = 0;
  let oEnd = 0;
  // Messages whose `sync` = `1` (a sparse array: most have none).
  const prompt: boolean[] = [];
  eachVar(payload, (kind, start, end, keyStart, keyLen) => {
    const last = ids.length - 1;
    if (kind === ID) {
      if (last >= 0 && spans[3 * last + 1]! < 0) throw noMsg(ids[last]!);
      ids.push(text(payload, start, end));
      spans.push(0, -1, -1);
    } else if (last < 0) throw new ProtocolError(`DATA_BATCH var "${keyAt(payload, keyStart, keyLen).slice(0, 16)}" before any id`);
    else if (kind === MSG) {
      spans[3 * last] = start;
      spans[3 * last + 1] = end;
    } else if (kind === ORIGIN) {
      const same = originAt >= 0 && end - start === oEnd - oStart && payload.compare(payload, oStart, oEnd, start, end) === 0;
      if (!same) {
        origins.push(text(payload, start, end));
        originAt = origins.length - 1;
        oStart = start;
        oEnd = end;
      }
      spans[3 * last + 2] = originAt;
    } else if (kind === SYNC) prompt[last] = end - start === 1 && payload[start] === 0x31;
  });
  const n = ids.length;
  if (n > 0 && spans[3 * n - 2]! < 0) throw noMsg(ids[n - 1]!);
  for (let i = 0; i < n; i++) {
    const o = spans[3 * i + 2]!;
    onItem(ids[i]!, payload.subarray(spans[3 * i]!, spans[3 * i + 1]!), o < 0 ? undefined : origins[o], prompt[i] === true);
  }
}

const noMsg = (id: string) => new ProtocolError(`message ${JSON.stringify(id.slice(0, 64))} of a DATA_BATCH has no msg`);

/**
 * The messages of a DATA_BATCH payload, as objects ({@link forEachDataItem} without them).
 *
 * @throws {PacketError} on malformed vars
 * @throws {ProtocolError} on a `msg` or `origin` before any `id`, or an `id` without `msg`
 * @example
 * ```ts
 * for (const it of readDataBatch(packet.payload)) console.log(it.id, it.msg.byteLength, it.origin);
 * ```
 */
export function readDataBatch(bytes: Uint8Array): ReadItem[] {
  const items: ReadItem[] = [];
  forEachDataItem(bytes, (id, msg, origin) => void items.push({ id, msg, origin }));
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
  eachVar(payload, (kind, start, end) => {
    if (kind === ID) ids.push(text(payload, start, end));
  });
  return ids;
}
