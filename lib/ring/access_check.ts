/**
 * Which journalled messages access.log already holds, decided at their recorded byte
 * offsets (the journal's P records), not by matching the file's last lines.
 *
 * A line found whole at its offset (its length, its newline where the next line begins)
 * whose content differs from the journal's record in at most {@link FLIPPED_BYTES} bytes was
 * written and then damaged (a flipped bit): it counts as logged, its bytes past the stamp
 * are written again in place from the journal's checksummed record, and it is reported. More
 * differing bytes are other content (the file replaced): that line and the rest are not
 * taken as logged.
 *
 * @module
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { errCode } from "../errors.ts";
import { alreadyLogged, type SeqEntry } from "./journal_replay.ts";

/** Bytes of an access.log line before its content: the 16-character stamp and a space. */
const STAMP_BYTES = 17;

/** At most this many bytes of a line (past its stamp) may differ for it to count as written. */
export const FLIPPED_BYTES = 2;

/** What access.log holds of the journalled messages. */
export interface AccessHeld {
  /** The seq of the first message whose line access.log lacks (every later one lacks it too); undefined when it lacks none. */
  from?: number;
  /** Where a line the file ends inside of (a cut write) was cut off. */
  cut?: number;
  /** Lines counted as logged although some of their bytes differed (a flipped bit): mended in place. */
  flipped: { seq: number; offset: number; bytes: number }[];
  /** The file ends before `offset`, where the line of `seq` starts (the first line known by offset). */
  shortOf?: { seq: number; offset: number };
}

/**
 * How many bytes of an access.log line past its stamp (the space, the content, the newline)
 * differ from the line `content` makes. Pure.
 *
 * @param line the line's bytes read at its offset, stamp and newline included
 * @param content the journal's record of its content
 * @returns the count of differing bytes (0: the same line)
 * @example
 * ```ts
 * differingBytes(Buffer.from("20260101T000000Z hallo\n"), Buffer.from("hello")); // 1
 * ```
 */
export function differingBytes(line: Buffer, content: Buffer): number {
  let n = line[STAMP_BYTES - 1] === 0x20 ? 0 : 1;
  if (line[line.byteLength - 1] !== 0x0a) n++;
  for (let i = 0; i < content.byteLength; i++) if (line[STAMP_BYTES + i] !== content[i]) n++;
  return n;
}

/**
 * What access.log holds of the messages in `entries` (oldest first): they are written in
 * order, so it holds a prefix of them. Those up to `after` (the L mark) were confirmed: the
 * file is only checked to be long enough for them (it was cut if not). Each later line is
 * looked for at its offset (a P record's, or the previous line's end) and compared with the
 * record's content. A line the file ends inside of (a write a crash cut) is cut off. Where no
 * offset is known (its P record damaged), the rest are matched against the file's last lines.
 *
 * @throws {Error} when access.log cannot be read or cut
 * @example
 * ```ts
 * import { replayJournal } from "./journal_replay.ts";
 * const state = replayJournal(files.readJournal());
 * accessHolds(files.access.path, state.unconfirmed, state.offsets, state.loggedSeq); // { from: 7, flipped: [] }
 * ```
 */
export function accessHolds(path: string, entries: readonly SeqEntry[], offsets: ReadonlyMap<number, number>, after: number): AccessHeld {
  let fd: number;
  try {
    fd = openSync(path, "r+");
  } catch (e) {
    if (errCode(e) !== "ENOENT") throw e;
    const first = entries.find((e) => e.seq > after)?.seq;
    return { flipped: [], ...(first !== undefined ? { from: first } : {}) };
  }
  try {
    return holds(fd, entries, offsets, after);
  } finally {
    closeSync(fd);
  }
}

function holds(fd: number, entries: readonly SeqEntry[], offsets: ReadonlyMap<number, number>, after: number): AccessHeld {
  const size = fstatSync(fd).size;
  const flipped: AccessHeld["flipped"] = [];
  let offset: number | undefined;
  let prev: number | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const at = offsets.get(e.seq);
    if (at !== undefined && offset === undefined && at > size) return { flipped, shortOf: { seq: e.seq, offset: at } };
    if (at !== undefined) offset = at;
    else if (prev !== e.seq - 1) offset = undefined;
    prev = e.seq;
    const content = Buffer.from(e.content);
    const len = STAMP_BYTES + content.byteLength + 1;
    if (e.seq <= after) {
      // Confirmed: a file that ends before this line does was cut short.
      if (offset !== undefined && offset + len > size) return cutAt(fd, size, offset, e.seq, flipped);
      if (offset !== undefined) offset += len;
      continue;
    }
    if (offset === undefined) {
      const count = tailMatch(fd, size, entries.slice(i));
      return { flipped, ...(i + count < entries.length ? { from: entries[i + count]!.seq } : {}) };
    }
    const buf = Buffer.alloc(len);
    const got = offset < size ? readSync(fd, buf, 0, len, offset) : 0;
    const differ = got === len ? differingBytes(buf, content) : Infinity;
    if (differ <= FLIPPED_BYTES) {
      if (differ > 0) {
        mend(fd, offset, content);
        flipped.push({ seq: e.seq, offset, bytes: differ });
      }
      offset += len;
      continue;
    }
    // The file ends inside this line, and what is there is no whole line: a cut write.
    if (got > 0 && offset + got === size && !buf.subarray(0, got).includes(0x0a)) return cutAt(fd, size, offset, e.seq, flipped);
    return { from: e.seq, flipped };
  }
  return { flipped };
}

/** Writes a damaged line's space, content and newline again at its place (its stamp is kept). */
function mend(fd: number, offset: number, content: Buffer): void {
  const right = Buffer.concat([Buffer.from(" "), content, Buffer.from("\n")]);
  writeSync(fd, right, 0, right.byteLength, offset + STAMP_BYTES - 1);
}

/** The line of `seq` starts at `offset` and the file ends before it does: what is there of it goes. */
function cutAt(fd: number, size: number, offset: number, seq: number, flipped: AccessHeld["flipped"]): AccessHeld {
  if (offset >= size) return { from: seq, flipped };
  ftruncateSync(fd, offset);
  return { from: seq, cut: offset, flipped };
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
