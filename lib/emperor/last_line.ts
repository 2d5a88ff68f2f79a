/**
 * The last line a vassal wrote to stderr, kept as its output streams by (pure): the line
 * that says why it exited (`OSError: [Errno 98] Address already in use`), which status
 * shows beside the exit. Bounded: a line without end keeps only its last bytes, and the line
 * given out is escaped to one line and clipped to {@link LAST_LINE_BYTES}.
 *
 * @module
 */
import { clipInput, escapeWire } from "../log/mod.ts";

/** How many bytes of the last stderr line status shows. */
export const LAST_LINE_BYTES = 200;

/** Bytes kept of a line still being written (a line longer than this keeps its end). */
const PENDING_MAX = 4096;

const NEWLINE = 0x0a;
const text = new TextDecoder();

/**
 * The last non-empty line of a stream, fed chunk by chunk.
 *
 * @example
 * ```ts
 * const t = new LastLine();
 * t.push(new TextEncoder().encode("Traceback ...\nOSError: [Errno 98] Address already in use\n"));
 * t.line(); // "OSError: [Errno 98] Address already in use"
 * ```
 */
export class LastLine {
  /** The last complete non-empty line. */
  #done: Uint8Array | undefined;
  /** What came after the last newline, bounded to its last {@link PENDING_MAX} bytes. */
  #pending: Uint8Array = new Uint8Array(0);

  /** Takes one chunk of the stream. */
  push(chunk: Uint8Array): void {
    const all = concat(this.#pending, chunk);
    const nl = all.lastIndexOf(NEWLINE);
    if (nl < 0) return void (this.#pending = tail(all));
    // The last non-blank complete line, scanning back from the last newline.
    for (let end = nl; end >= 0;) {
      const start = end > 0 ? all.lastIndexOf(NEWLINE, end - 1) + 1 : 0;
      const line = all.subarray(start, end);
      if (!blank(line)) {
        this.#done = tail(line.slice());
        break;
      }
      end = start - 1;
    }
    this.#pending = tail(all.slice(nl + 1));
  }

  /** The last non-empty line (an unfinished last one counts), escaped and clipped; undefined when none. */
  line(): string | undefined {
    const last = !blank(this.#pending) ? this.#pending : this.#done;
    if (!last) return undefined;
    const s = text.decode(last).replace(/\r$/, "").trim();
    return s === "" ? undefined : clipInput(escapeWire(s), LAST_LINE_BYTES);
  }
}

function blank(b: Uint8Array): boolean {
  for (const c of b) if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function tail(b: Uint8Array): Uint8Array {
  return b.length > PENDING_MAX ? b.slice(b.length - PENDING_MAX) : b;
}
