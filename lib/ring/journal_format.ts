/**
 * The journal's line format (docs/PROTOCOL.md, "The journal"). Pure: records in, text
 * out, and back. One record per line, fields separated by single spaces, and last its
 * checksum: eight hex digits of the CRC-32 of the line before the space that precedes them.
 * Content comes last before the checksum and, being a valid message's content, holds no
 * CR or LF.
 *
 * ```
 * V 2 <seq>                               first line: format 2; seq of the last message logged before this journal
 * M <seq> <id> <origin> <dests> <content> message logged here as seq; dests "3:0,4:2" (position:wrapping) or "-"
 * F <id> <origin> <dests> <content>       forward-only duty (a duplicate re-forwarded), not logged
 * P <seq> <offset>                        the access.log line of seq starts at byte offset
 * A <position> <id> <id> ...              that peer acknowledged these ids (one line per OK or OK_BATCH)
 * K <position> <id>                       that peer acknowledged id (the one-id form; still read)
 * L <seq>                                 access.log and the store hold every message up to seq, on disk
 * S <id>                                  id seen (written by compaction to keep the de-dup memory)
 * ```
 *
 * Format 1 (no V line, no checksums, M without seq, `L <count>`) is still read, once, by
 * {@link parseJournalLineV1}: the node then rewrites its journal in format 2.
 *
 * @module
 */

/** A journal record. */
export type JournalRecord =
  | { kind: "V"; version: number; seq: number }
  | {
      kind: "M";
      seq: number;
      id: string;
      origin: number;
      dests: Map<number, number>;
      content: string;
      /** `dests` as the journal writes them, when the caller has it already (a node's routes). */
      destsText?: string;
    }
  | {
      kind: "F";
      id: string;
      origin: number;
      dests: Map<number, number>;
      content: string;
      destsText?: string;
    }
  | { kind: "P"; seq: number; offset: number }
  | { kind: "K"; peer: number; id: string }
  | { kind: "A"; peer: number; ids: readonly string[] }
  | { kind: "L"; seq: number }
  | { kind: "S"; id: string };

/** The journal format this code writes. */
export const JOURNAL_VERSION = 2;

/**
 * Checksum of a line's record, as the journal writes it. CRC-32 (Bun.hash.crc32, which runs
 * on the CPU's CRC instructions): measured here at 50-90 ns for a 90-character line, against
 * 190 ns for xxHash32, 220 ns for xxHash3 and 370 ns for xxHash64 (Bun 1.4, this VM); with
 * its eight hex digits about 0.1 µs per message.
 *
 * @example
 * ```ts
 * checksum("L 42"); // 8 hex digits
 * ```
 */
export function checksum(text: string): string {
  const n = Bun.hash.crc32(text);
  return HEX[n >>> 24]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Destinations as the journal writes them: "3:0,4:2" (position:wrapping), "-" for none.
 *
 * @example
 * ```ts
 * destsText(new Map([[3, 0], [4, 2]])); // "3:0,4:2"
 * ```
 */
export function destsText(dests: ReadonlyMap<number, number>): string {
  if (dests.size === 0) return "-";
  let text = "";
  for (const [p, w] of dests) text += text === "" ? `${p}:${w}` : `,${p}:${w}`;
  return text;
}

/** A record's text, without checksum or newline. */
function recordText(r: JournalRecord): string {
  switch (r.kind) {
    case "V":
      return `V ${r.version} ${r.seq}`;
    case "M":
      return `M ${r.seq} ${r.id} ${r.origin} ${r.destsText ?? destsText(r.dests)} ${r.content}`;
    case "F":
      return `F ${r.id} ${r.origin} ${r.destsText ?? destsText(r.dests)} ${r.content}`;
    case "P":
      return `P ${r.seq} ${r.offset}`;
    case "K":
      return `K ${r.peer} ${r.id}`;
    case "A":
      return `A ${r.peer} ${r.ids.join(" ")}`;
    case "L":
      return `L ${r.seq}`;
    case "S":
      return `S ${r.id}`;
  }
}

/**
 * The line of a record: its text, a space, its checksum and a newline.
 *
 * @example
 * ```ts
 * journalLine({ kind: "K", peer: 3, id: "a-1" }); // "K 3 a-1 " + checksum("K 3 a-1") + "\n"
 * ```
 */
export function journalLine(r: JournalRecord): string {
  const text = recordText(r);
  return `${text} ${checksum(text)}\n`;
}

const INT = /^\d+$/;

function parseDests(s: string): Map<number, number> | undefined {
  const dests = new Map<number, number>();
  if (s === "-") return dests;
  for (const part of s.split(",")) {
    const m = /^(\d+):(\d)$/.exec(part);
    if (!m) return undefined;
    dests.set(Number(m[1]), Number(m[2]));
  }
  return dests;
}

/** The checksum, ' ' and 8 hex digits, at the end of a line. */
const SUM_LENGTH = 9;

/**
 * Parses one line (without its newline); undefined for a line whose checksum does not match
 * or that is not a record (damage, or a torn write at a crash).
 *
 * @example
 * ```ts
 * parseJournalLine(journalLine({ kind: "L", seq: 42 }).slice(0, -1)); // { kind: "L", seq: 42 }
 * ```
 */
export function parseJournalLine(line: string): JournalRecord | undefined {
  if (line.length < SUM_LENGTH + 3 || line[line.length - SUM_LENGTH] !== " ") return undefined;
  const text = line.slice(0, -SUM_LENGTH);
  if (checksum(text) !== line.slice(-8)) return undefined;
  return parseRecord(text, true);
}

/**
 * Parses one line of a format-1 journal (no checksums, M without seq, L with a count: its
 * `seq` field then holds the count). For reading a node's journal once, when it moves to format 2.
 *
 * @example
 * ```ts
 * parseJournalLineV1("L 42"); // { kind: "L", seq: 42 }, 42 being a count of M records
 * ```
 */
export function parseJournalLineV1(line: string): JournalRecord | undefined {
  return parseRecord(line, false);
}

function parseRecord(line: string, v2: boolean): JournalRecord | undefined {
  const kind = line[0];
  if (line[1] !== " ") return undefined;
  if (kind === "M" || kind === "F") return parseMessage(line, kind, v2 && kind === "M");
  const parts = line.split(" ");
  const int = (i: number) => (INT.test(parts[i] ?? "") ? Number(parts[i]) : undefined);
  if (kind === "V" && v2 && parts.length === 3 && int(1) !== undefined && int(2) !== undefined)
    return { kind, version: int(1)!, seq: int(2)! };
  if (kind === "P" && v2 && parts.length === 3 && int(1) !== undefined && int(2) !== undefined)
    return { kind, seq: int(1)!, offset: int(2)! };
  if (kind === "K" && parts.length === 3 && int(1) !== undefined) return { kind, peer: int(1)!, id: parts[2]! };
  if (kind === "A" && parts.length >= 3 && int(1) !== undefined && !parts.includes("")) return { kind, peer: int(1)!, ids: parts.slice(2) };
  if (kind === "L" && parts.length === 2 && int(1) !== undefined) return { kind, seq: int(1)! };
  if (kind === "S" && parts.length === 2) return { kind, id: parts[1]! };
  return undefined;
}

function parseMessage(line: string, kind: "M" | "F", withSeq: boolean): JournalRecord | undefined {
  let at = 2;
  let seq = 0;
  if (withSeq) {
    const s = line.indexOf(" ", at);
    if (s < 0 || !INT.test(line.slice(at, s))) return undefined;
    seq = Number(line.slice(at, s));
    at = s + 1;
  }
  const a = line.indexOf(" ", at);
  const b = a < 0 ? -1 : line.indexOf(" ", a + 1);
  const c = b < 0 ? -1 : line.indexOf(" ", b + 1);
  if (c < 0 || a === at) return undefined;
  const origin = line.slice(a + 1, b);
  const dests = parseDests(line.slice(b + 1, c));
  if (!INT.test(origin) || !dests) return undefined;
  const fields = { id: line.slice(at, a), origin: Number(origin), dests, content: line.slice(c + 1) };
  return kind === "M" ? { kind, seq, ...fields } : { kind, ...fields };
}
