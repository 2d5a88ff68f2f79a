/**
 * An access.log cut shorter than the journal's first known offset: the store's messages
 * before that line say where each earlier line starts, back to the one the file's end falls
 * in. The file is cut to the line before it and the store's lines from there are written again.
 *
 * @module
 */
import { closeSync, ftruncateSync, openSync, readSync, statSync } from "node:fs";
import type { StoreRows } from "./recovery.ts";

/** Bytes of an access.log line besides its content: the stamp, a space, the newline. */
const LINE_EXTRA = 18;

/** Store rows read back at a time. */
const CHUNK = 1024;

/**
 * From the line of `from.seq` at byte `from.offset`, steps back a line at a time (their
 * lengths from `lineBytes`) while the line starts past `size`. Pure.
 *
 * @param lineBytes a line's length, stamp and newline included; undefined when not known
 * @returns the first line the file does not hold whole and where it starts; its offset is
 *   past `size` when the lengths ran out first
 * @example
 * ```ts
 * stepBack({ seq: 10, offset: 300 }, 250, () => 30); // { seq: 8, offset: 240 }
 * ```
 */
export function stepBack(
  from: { seq: number; offset: number },
  size: number,
  lineBytes: (seq: number) => number | undefined,
): { seq: number; offset: number } {
  let { seq, offset } = from;
  while (offset > size) {
    const len = lineBytes(seq - 1);
    if (len === undefined || len > offset) break;
    seq--;
    offset -= len;
  }
  return { seq, offset };
}

/**
 * Cuts access.log to the start of the first line it lacks before `from` and returns the
 * store's messages from that one to the one before `from.seq`, to be written again.
 *
 * @throws {Error} naming the file and what to run when the store cannot place the cut
 *   (it lacks the messages, or the byte before is no line's end)
 * @example
 * ```ts
 * declare const store: StoreRows;
 * const { rows, cut } = restoreBefore(files.access.path, { seq: 900, offset: 40_000 }, store);
 * ```
 */
export function restoreBefore(
  path: string,
  from: { seq: number; offset: number },
  store: Pick<StoreRows, "between">,
): { rows: { seq: number; content: string }[]; cut: number; size: number } {
  const size = statSync(path).size;
  const known = new Map<number, number>();
  const lineBytes = (seq: number): number | undefined => {
    if (seq < 1) return undefined;
    if (!known.has(seq))
      for (const r of store.between(Math.max(1, seq - CHUNK + 1), seq)) known.set(r.seq, Buffer.byteLength(r.content) + LINE_EXTRA);
    return known.get(seq);
  };
  const at = stepBack(from, size, lineBytes);
  const fd = openSync(path, "r+");
  try {
    const before = Buffer.alloc(1);
    if (at.offset > size || (at.offset > 0 && (readSync(fd, before, 0, 1, at.offset - 1) !== 1 || before[0] !== 0x0a))) {
      throw new Error(
        `access.log ${path} ends at byte ${size}, before message ${from.seq}'s line at byte ${from.offset}, and the store cannot say ` +
          `where the lines before it start: run \`zog verify --repair\` with the node stopped to rewrite it from the store`,
      );
    }
    ftruncateSync(fd, at.offset);
  } finally {
    closeSync(fd);
  }
  return { rows: at.seq < from.seq ? store.between(at.seq, from.seq - 1) : [], cut: at.offset, size };
}
