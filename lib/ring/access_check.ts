/**
 * Which journalled messages access.log already holds, decided at their recorded byte
 * offsets (the journal's P records), not by matching the file's last lines.
 *
 * @module
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync } from "node:fs";
import { errCode } from "../errors.ts";
import { alreadyLogged, type SeqEntry } from "./journal_replay.ts";

/** Bytes of an access.log line before its content: the 16-character stamp and a space. */
const STAMP_BYTES = 17;

/**
 * How many of the messages past `after` in `entries` (oldest first) access.log holds: they
 * are written in order, so it holds a prefix of them. Each line is looked for at its offset
 * (a P record's, or the previous line's end) and compared with the record's content. A line
 * the file ends inside of (a write a crash cut) is cut off. Where no offset is known (its P
 * record damaged), the rest are matched against the file's last lines instead.
 *
 * @throws {Error} when access.log cannot be read or cut
 * @example
 * ```ts
 * import { replayJournal } from "./journal_replay.ts";
 * const state = replayJournal(files.readJournal());
 * accessHolds(files.access.path, state.unconfirmed, state.offsets, state.loggedSeq); // { count: 3 }
 * ```
 */
export function accessHolds(
  path: string,
  entries: readonly SeqEntry[],
  offsets: ReadonlyMap<number, number>,
  after: number,
): { count: number; cut?: number } {
  const unsure = entries.filter((e) => e.seq > after);
  if (unsure.length === 0) return { count: 0 };
  let fd: number;
  try {
    fd = openSync(path, "r+");
  } catch (e) {
    if (errCode(e) === "ENOENT") return { count: 0 };
    throw e;
  }
  try {
    return holds(fd, entries, offsets, after);
  } finally {
    closeSync(fd);
  }
}

function holds(
  fd: number,
  entries: readonly SeqEntry[],
  offsets: ReadonlyMap<number, number>,
  after: number,
): { count: number; cut?: number } {
  const size = fstatSync(fd).size;
  let offset: number | undefined;
  let prev: number | undefined;
  let count = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const at = offsets.get(e.seq);
    if (at !== undefined) offset = at;
    else if (prev !== e.seq - 1) offset = undefined;
    prev = e.seq;
    const content = Buffer.from(e.content);
    const len = STAMP_BYTES + content.byteLength + 1;
    if (e.seq <= after) {
      if (offset !== undefined) offset += len;
      continue;
    }
    if (offset === undefined) return { count: count + tailMatch(fd, size, entries.slice(i)) };
    const buf = Buffer.alloc(len);
    const got = offset < size ? readSync(fd, buf, 0, len, offset) : 0;
    if (got === len && buf[STAMP_BYTES - 1] === 0x20 && buf[len - 1] === 0x0a && buf.subarray(STAMP_BYTES, len - 1).equals(content)) {
      count++;
      offset += len;
      continue;
    }
    // The file ends inside this line, and what is there is no whole line: a cut write.
    if (got > 0 && offset + got === size && !buf.subarray(0, got).includes(0x0a)) {
      ftruncateSync(fd, offset);
      return { count, cut: offset };
    }
    return { count };
  }
  return { count };
}

/** The fallback without offsets: how many of `rest` end the file's last lines. */
function tailMatch(fd: number, size: number, rest: readonly SeqEntry[]): number {
  const need = rest.reduce((n, e) => n + STAMP_BYTES + Buffer.byteLength(e.content) + 1, 0) + 65536;
  const buf = Buffer.alloc(Math.min(size, need));
  readSync(fd, buf, 0, buf.byteLength, size - buf.byteLength);
  const tail = buf
    .toString("utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.slice(STAMP_BYTES));
  return alreadyLogged(
    rest.map((e) => e.content),
    tail,
  );
}
