/**
 * Reading a segment file's records in chunks: one read call for many records, a chunk that
 * ends inside a record read again from that record's start, a buffer grown for a record
 * larger than it. And the scan a segment gets when the store opens: where its whole records
 * end, and whether the bytes past that are a torn write (cut) or damage (records follow).
 *
 * @module
 */
import { readSync } from "node:fs";
import { RECORD_HEAD, readHead, readRecord, type RecordHead } from "./segment_format.ts";

/** How the walk ended: at `to`, or at `at` where the bytes hold no whole record (torn). */
export interface WalkEnd {
  at: number;
  torn: boolean;
}

/**
 * Sees each record; returns false to stop. `buf` holds the record at `at` (its own offsets:
 * `head.end` is relative to `buf` too); `offset` is the record's place in the file.
 */
export type RecordVisit = (buf: Buffer, at: number, head: RecordHead, offset: number) => boolean | void;

/**
 * Reads records from a file descriptor, a chunk at a time, into one reused buffer.
 *
 * @example
 * ```ts
 * import { openSync, fstatSync } from "node:fs";
 * const fd = openSync("/var/lib/zog/MV/messages/0000000000000001.seg", "r");
 * new ChunkReader().walk(fd, 0, fstatSync(fd).size, (buf, at, head) => void console.log(head.seq));
 * ```
 */
export class ChunkReader {
  #buf: Buffer;

  constructor(readonly chunkBytes = 256 << 10) {
    this.#buf = Buffer.allocUnsafe(Math.max(chunkBytes, RECORD_HEAD));
  }

  /**
   * Visits the records between offsets `from` and `to` of `fd`, in order, until `visit`
   * returns false (then `at` is the end of the record it stopped at). The first read takes
   * at most `firstBytes` (a lookup that needs a few records reads a few), the others a
   * whole chunk.
   *
   * @throws {Error} from the read (EIO...)
   */
  walk(fd: number, from: number, to: number, visit: RecordVisit, firstBytes = Infinity): WalkEnd {
    let pos = from;
    let chunk = Math.min(firstBytes, this.#buf.length);
    while (pos < to) {
      const want = Math.min(chunk, to - pos);
      chunk = this.#buf.length;
      const n = readSync(fd, this.#buf, 0, want, pos);
      if (n <= 0) return { at: pos, torn: true };
      const view = this.#buf.subarray(0, n);
      let at = 0;
      for (let head = readHead(view, 0); head; head = readHead(view, at)) {
        if (visit(view, at, head, pos + at) === false) return { at: pos + head.end, torn: false };
        at = head.end;
      }
      if (at === 0) {
        // No whole record in what was read: a first read too short, a record larger than
        // the buffer, or bytes that are no record.
        if (n < want || want === to - pos) return { at: pos, torn: true };
        const len = n >= RECORD_HEAD ? view.readUInt32LE(0) : Infinity;
        if (len <= n || (len !== Infinity && pos + len > to)) return { at: pos, torn: true };
        if (len !== Infinity && len > this.#buf.length) this.#buf = Buffer.allocUnsafe(len);
        else if (want === this.#buf.length) return { at: pos, torn: true };
        chunk = this.#buf.length;
        continue;
      }
      pos += at;
    }
    return { at: pos, torn: false };
  }

  /** Gives back a buffer grown for a large record. */
  shrink(): void {
    if (this.#buf.length > this.chunkBytes) this.#buf = Buffer.allocUnsafe(this.chunkBytes);
  }
}

/**
 * Whether a whole record (its checksum right) with a seq above `afterSeq` starts anywhere in
 * `bytes` past its first byte: then the bytes before it are damage, not a torn write.
 *
 * @example
 * ```ts
 * recordFollows(Buffer.alloc(100), 41); // false: zeros are no record
 * ```
 */
export function recordFollows(bytes: Buffer, afterSeq: number): boolean {
  for (let at = 1; at < bytes.length; at++) {
    const head = readHead(bytes, at);
    if (!head || !Number.isSafeInteger(head.seq) || head.seq <= afterSeq) continue;
    if (readRecord(bytes, at).kind === "row") return true;
  }
  return false;
}
