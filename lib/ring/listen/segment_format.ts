/**
 * The record format of the store's segment files: each stored message is one record, many
 * records are encoded into one buffer and written with one call. Pure: rows in, bytes out,
 * and back.
 *
 * A record (little-endian): length u32 (of the whole record), CRC-32 u32 (of the bytes after
 * it), seq f64, ts f64, id length u16, origin length u16, then id, origin and content in
 * UTF-8. A record whose length runs past the bytes held, or whose CRC fails, is damaged.
 *
 * @module
 */

/** Bytes before a record's strings. */
export const RECORD_HEAD = 28;

/** A stored message as a segment holds it. */
export interface SegmentRow {
  seq: number;
  ts: number;
  id: string;
  origin: string;
  content: string;
}

/**
 * Encodes records one after the other into a reused buffer, growing it when needed.
 *
 * @example
 * ```ts
 * const enc = new RecordEncoder();
 * const bytes = enc.encode([{ seq: 1, ts: 1733450000000, id: "c5-1", origin: "MV", content: "hello" }]);
 * bytes.length; // 28 + 4 + 2 + 5
 * ```
 */
export class RecordEncoder {
  #buf = Buffer.allocUnsafe(1 << 16);

  /**
   * The records of `rows`, in order (a view of the encoder's buffer, valid until the next
   * call). `ends`, when given, receives each record's end offset.
   *
   * @throws {RangeError} when an id or origin is longer than 65 535 bytes
   */
  encode(rows: readonly SegmentRow[], ends?: number[]): Buffer {
    let at = 0;
    for (const r of rows) {
      const room = RECORD_HEAD + 3 * (r.id.length + r.origin.length + r.content.length);
      if (at + room > this.#buf.length) this.#grow(at + room);
      at = encodeOne(this.#buf, at, r);
      ends?.push(at);
    }
    return this.#buf.subarray(0, at);
  }

  #grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2));
    this.#buf.copy(next);
    this.#buf = next;
  }
}

function encodeOne(buf: Buffer, start: number, r: SegmentRow): number {
  let at = start + RECORD_HEAD;
  const idLen = buf.write(r.id, at, "utf8");
  at += idLen;
  const originLen = buf.write(r.origin, at, "utf8");
  at += originLen;
  at += buf.write(r.content, at, "utf8");
  if (idLen > 0xffff || originLen > 0xffff)
    throw new RangeError(`message id "${r.id.slice(0, 40)}..." or origin is over 65 535 bytes: it cannot be stored`);
  buf.writeUInt32LE(at - start, start);
  buf.writeDoubleLE(r.seq, start + 8);
  buf.writeDoubleLE(r.ts, start + 16);
  buf.writeUInt16LE(idLen, start + 24);
  buf.writeUInt16LE(originLen, start + 26);
  buf.writeInt32LE(Bun.hash.crc32(buf.subarray(start + 8, at)) | 0, start + 4);
  return at;
}

/**
 * How many bytes the record of `r` takes.
 *
 * @example
 * ```ts
 * recordBytes({ seq: 1, ts: 5, id: "a", origin: "MV", content: "x" }); // 32
 * ```
 */
export function recordBytes(r: SegmentRow): number {
  return RECORD_HEAD + Buffer.byteLength(r.id) + Buffer.byteLength(r.origin) + Buffer.byteLength(r.content);
}

/** A record's head: where it ends and what it says of itself (unchecked). */
export interface RecordHead {
  end: number;
  seq: number;
  ts: number;
}

/**
 * The head of the record at `at` in `buf`, unchecked, or undefined when `buf` does not hold
 * the whole record it announces (a torn write, or bytes that are no record).
 *
 * @example
 * ```ts
 * const bytes = new RecordEncoder().encode([{ seq: 7, ts: 5, id: "a", origin: "MV", content: "x" }]);
 * readHead(bytes, 0); // { end: 32, seq: 7, ts: 5 }
 * ```
 */
export function readHead(buf: Buffer, at: number): RecordHead | undefined {
  if (at + RECORD_HEAD > buf.length) return undefined;
  const len = buf.readUInt32LE(at);
  if (len < RECORD_HEAD + buf.readUInt16LE(at + 24) + buf.readUInt16LE(at + 26) || at + len > buf.length) return undefined;
  return { end: at + len, seq: buf.readDoubleLE(at + 8), ts: buf.readDoubleLE(at + 16) };
}

/** What a record at an offset turned out to be. */
export type RecordRead =
  | { kind: "row"; row: SegmentRow; end: number }
  /** Its head is whole but its bytes fail their CRC: `seq`/`ts`/`id` are what it says of itself, unchecked. */
  | { kind: "damaged"; end: number; seq: number; ts: number; id: string }
  /** Too few bytes left for the record its head announces (a torn write), or a head that cannot be one. */
  | { kind: "torn" };

/**
 * Decodes the record at `at` in `buf` (which ends where the data ends).
 *
 * @example
 * ```ts
 * const bytes = new RecordEncoder().encode([{ seq: 1, ts: 5, id: "a", origin: "MV", content: "x" }]);
 * readRecord(bytes, 0); // { kind: "row", row: { seq: 1, ... }, end: 32 }
 * ```
 */
export function readRecord(buf: Buffer, at: number): RecordRead {
  if (at + RECORD_HEAD > buf.length) return { kind: "torn" };
  const len = buf.readUInt32LE(at);
  const idLen = buf.readUInt16LE(at + 24);
  const originLen = buf.readUInt16LE(at + 26);
  if (len < RECORD_HEAD + idLen + originLen || at + len > buf.length) return { kind: "torn" };
  const end = at + len;
  const seq = buf.readDoubleLE(at + 8);
  const ts = buf.readDoubleLE(at + 16);
  const idEnd = at + RECORD_HEAD + idLen;
  const id = buf.toString("utf8", at + RECORD_HEAD, idEnd);
  if ((Bun.hash.crc32(buf.subarray(at + 8, end)) | 0) !== buf.readInt32LE(at + 4)) return { kind: "damaged", end, seq, ts, id };
  const origin = buf.toString("utf8", idEnd, idEnd + originLen);
  return { kind: "row", row: { seq, ts, id, origin, content: buf.toString("utf8", idEnd + originLen, end) }, end };
}
