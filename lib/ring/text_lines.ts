/**
 * The seed's own wire form on the client port (seed 002, the original pzogd): CRLF-ended
 * text lines, one message each, answered `ok\r\n` or `error REASON\r\n` in the order they
 * came. Pure: bytes in, lines out; answers in, bytes in order out.
 *
 * @module
 */
import { MESSAGE_LIMIT } from "./message.ts";

/** One line read: its bytes up to and including LF, or the start of one too long to be a message. */
export type TextLine = { kind: "line"; bytes: Uint8Array } | { kind: "overlong"; bytes: Uint8Array };

/**
 * Splits a byte stream into lines at LF. A line that reaches {@link MESSAGE_LIMIT} bytes
 * without LF is reported once as `overlong` (its first bytes) and the rest of it, up to
 * the next LF, is dropped, so one bad line costs no more memory than a good one.
 *
 * @example
 * ```ts
 * const lines = new TextLines();
 * lines.push(new TextEncoder().encode("0hello\r\n0wor")); // [{ kind: "line", bytes: "0hello\r\n" }]
 * lines.push(new TextEncoder().encode("ld\r\n"));         // [{ kind: "line", bytes: "0world\r\n" }]
 * ```
 */
export class TextLines {
  #parts: Uint8Array[] = [];
  #size = 0;
  #dropping = false;

  /** Bytes of a line not yet ended. */
  get buffered(): number {
    return this.#size;
  }

  /** The lines `chunk` completes, in order. */
  push(chunk: Uint8Array): TextLine[] {
    const out: TextLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(10, start);
      const end = lf < 0 ? chunk.length : lf + 1;
      const piece = chunk.subarray(start, end);
      start = end;
      if (this.#dropping) {
        if (lf >= 0) this.#dropping = false;
        continue;
      }
      // A message is shorter than MESSAGE_LIMIT bytes, its CRLF included.
      if (this.#size + piece.length >= MESSAGE_LIMIT) {
        out.push({ kind: "overlong", bytes: this.#take(piece).subarray(0, MESSAGE_LIMIT) });
        this.#dropping = lf < 0;
        continue;
      }
      if (lf < 0) {
        this.#parts.push(piece.slice());
        this.#size += piece.length;
        continue;
      }
      out.push({ kind: "line", bytes: this.#take(piece) });
    }
    return out;
  }

  /** The buffered bytes plus `last`, as one array; the buffer is emptied. */
  #take(last: Uint8Array): Uint8Array {
    if (this.#parts.length === 0) return last.slice();
    const all = new Uint8Array(this.#size + last.length);
    let at = 0;
    for (const p of this.#parts) {
      all.set(p, at);
      at += p.length;
    }
    all.set(last, at);
    this.#parts = [];
    this.#size = 0;
    return all;
  }
}

/**
 * Answers that must leave in the order their lines came, though a refusal is known at once
 * and an `ok` only once the message is durable.
 *
 * @example
 * ```ts
 * const order = new InOrder((text) => conn.write(new TextEncoder().encode(text)));
 * const a = order.slot(), b = order.slot();
 * order.answer(b, "error too long\r\n"); // held: a comes first
 * order.answer(a, "ok\r\n");             // writes "ok\r\n" then "error too long\r\n"
 * ```
 */
export class InOrder {
  #next = 0;
  #made = 0;
  readonly #ready = new Map<number, string>();

  constructor(readonly write: (text: string) => void) {}

  /** Answers not yet written. */
  get pending(): number {
    return this.#made - this.#next;
  }

  /** A place for the next line's answer. */
  slot(): number {
    return this.#made++;
  }

  /** Fills slot `n`; writes every answer now due, in order. */
  answer(n: number, text: string): void {
    this.#ready.set(n, text);
    for (let t = this.#ready.get(this.#next); t !== undefined; t = this.#ready.get(this.#next)) {
      this.#ready.delete(this.#next++);
      this.write(t);
    }
  }
}
