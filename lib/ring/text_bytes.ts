/**
 * A commit's text built as bytes in one buffer that is reused from commit to commit: the
 * journal's records and access.log's lines of a message that arrived as bytes take its
 * content by copying those bytes, instead of building strings, joining them and encoding
 * the result again. Pure (no I/O): the caller writes {@link TextBytes.view}.
 *
 * @module
 */
import type { Entry } from "./entry.ts";
/** `Buffer.prototype.copy` works on any Uint8Array: a native copy without a view per message. */
const copyBytes = Buffer.prototype.copy;

const HEX_DIGITS = Buffer.from("0123456789abcdef");

/** Bytes kept between commits at most: a larger buffer (one huge commit) is let go after it. */
const KEEP_BYTES = 256 * 1024;

/**
 * Bytes appended one field at a time to a buffer that grows as needed.
 *
 * @example
 * ```ts
 * const t = new TextBytes();
 * t.ascii("20261122T030442Z "); t.copy(new TextEncoder().encode("0hello\r\n"), 1, 6); t.byte(10);
 * t.view().toString(); // "20261122T030442Z hello\n"
 * ```
 */
export class TextBytes {
  #buf: Buffer;
  #o = 0;

  /** @param size bytes to start with */
  constructor(readonly size = 16 * 1024) {
    this.#buf = Buffer.allocUnsafe(size);
  }

  /** Bytes written since {@link reset}. */
  get length(): number {
    return this.#o;
  }

  /** Starts again from an empty text (a buffer grown past {@link KEEP_BYTES} is let go). */
  reset(): void {
    this.#o = 0;
    if (this.#buf.length > KEEP_BYTES) this.#buf = Buffer.allocUnsafe(this.size);
  }

  /** The bytes written (a view, valid until the next write or {@link reset}). */
  view(): Buffer {
    return this.#buf.subarray(0, this.#o);
  }

  /** Cuts the text back to `length` bytes (what a field that could not be written left). */
  truncate(length: number): void {
    this.#o = length;
  }

  #room(n: number): void {
    if (this.#o + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#o + n));
    this.#buf.copy(next, 0, 0, this.#o);
    this.#buf = next;
  }

  /** One byte. */
  byte(b: number): void {
    this.#room(1);
    this.#buf[this.#o++] = b;
  }

  /** Text as UTF-8. */
  text(s: string): void {
    this.#room(3 * s.length);
    this.#o += this.#buf.write(s, this.#o);
  }

  /**
   * Short ASCII text (ids, node positions, destinations), copied here rather than through a
   * native call. Returns false, having written nothing, when `s` is not ASCII.
   */
  ascii(s: string): boolean {
    const n = s.length;
    this.#room(n);
    const b = this.#buf;
    const o = this.#o;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return false;
      b[o + i] = c;
    }
    this.#o = o + n;
    return true;
  }

  /** A non-negative integer in decimal (digits written here, not through a string). */
  int(n: number): void {
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    this.#room(digits);
    const b = this.#buf;
    let o = this.#o + digits;
    this.#o = o;
    do {
      const q = Math.floor(n / 10);
      b[--o] = 48 + (n - 10 * q);
      n = q;
    } while (n > 0);
  }

  /** The bytes `start` to `end` of `src`. */
  copy(src: Uint8Array, start: number, end: number): void {
    this.#room(end - start);
    this.#o += copyBytes.call(src, this.#buf, this.#o, start, end);
  }

  /**
   * Ends the journal line that starts at byte `start`: a space, the eight hex digits of the
   * CRC-32 of its bytes so far, a newline (what journal_format.ts's `checksum` gives for its text).
   */
  endLine(start: number): void {
    const n = Bun.hash.crc32(this.#buf.subarray(start, this.#o));
    this.#room(10);
    const b = this.#buf;
    let o = this.#o;
    b[o++] = 32;
    for (let shift = 28; shift >= 0; shift -= 4) b[o++] = HEX_DIGITS[(n >>> shift) & 15]!;
    b[o++] = 10;
    this.#o = o;
  }
}

/**
 * Whether `msg` (digit, content, CRLF) holds `content` as ASCII: then its bytes are the
 * content's, and may be copied instead of encoding the text.
 *
 * @example
 * ```ts
 * asciiContent(new TextEncoder().encode("0hé\r\n"), "hé"); // false
 * ```
 */
export function asciiContent(msg: Uint8Array, content: string): boolean {
  // UTF-8 takes more bytes than UTF-16 code units for anything but ASCII.
  return msg.byteLength - 3 === content.length;
}

/**
 * Appends the journal's M record of a message logged as `e.seq` (the line
 * journal_format.ts's `journalLine` gives for it), its content copied from the bytes
 * received. Returns false, having written nothing, when there are none or the content or
 * the id is not ASCII (the caller writes the line as text then).
 *
 * @param destsText the destinations as the journal writes them ("3:0,4:2")
 * @example
 * ```ts
 * const t = new TextBytes();
 * const msg = new TextEncoder().encode("0hi\r\n");
 * messageRecord(t, { seq: 1, id: "a-1", origin: 0, content: "hi", msg, dests: new Map([[1, 0]]) }, "1:0");
 * ```
 */
export function messageRecord(t: TextBytes, e: Entry, destsText: string): boolean {
  const msg = e.msg;
  if (!msg || e.seq === undefined || !asciiContent(msg, e.content)) return false;
  const start = t.length;
  t.byte(77); // M
  t.byte(32);
  t.int(e.seq);
  t.byte(32);
  if (!t.ascii(e.id)) {
    t.truncate(start);
    return false;
  }
  t.byte(32);
  t.int(e.origin);
  t.byte(32);
  t.ascii(destsText);
  t.byte(32);
  t.copy(msg, 1, msg.byteLength - 2);
  t.endLine(start);
  return true;
}

/**
 * Appends access.log's lines of `entries` (`STAMP CONTENT\n`, what message.ts's
 * `accessLine` gives), each content copied from the bytes received, and returns them; or
 * undefined, when one of them has no such bytes (the caller writes the lines as text then).
 *
 * @example
 * ```ts
 * const t = new TextBytes();
 * accessLines(t, "20261122T030442Z", [{ id: "a-1", origin: 0, content: "hi", msg: new TextEncoder().encode("0hi\r\n"), dests: new Map() }]);
 * ```
 */
export function accessLines(t: TextBytes, stamp: string, entries: readonly Entry[]): Uint8Array | undefined {
  t.reset();
  for (const e of entries) {
    const msg = e.msg;
    if (!msg || !asciiContent(msg, e.content) || !t.ascii(stamp)) return undefined;
    t.byte(32);
    t.copy(msg, 1, msg.byteLength - 2);
    t.byte(10);
  }
  return t.view();
}
