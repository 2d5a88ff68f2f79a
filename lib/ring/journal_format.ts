/**
 * The journal's line format (docs/PROTOCOL.md, "The journal"). Pure: records in, text
 * out, and back. One record per line, fields separated by single spaces; content comes
 * last and, being a valid message's content, holds no CR or LF.
 *
 * ```
 * M <id> <origin> <dests> <content>   message logged here; dests "3:0,4:2" (position:wrapping) or "-"
 * F <id> <origin> <dests> <content>   forward-only duty (a duplicate re-forwarded), not logged
 * K <position> <id>                   that peer acknowledged id
 * A <position> <id> <id> ...          that peer acknowledged these ids (one line per OK or OK_BATCH)
 * L <count>                           the first count M records are in access.log
 * S <id>                              id seen (written by compaction to keep the de-dup memory)
 * ```
 *
 * @module
 */

/** A journal record. */
export type JournalRecord =
  | {
      kind: "M" | "F";
      id: string;
      origin: number;
      dests: Map<number, number>;
      content: string;
      /** `dests` as the journal writes them, when the caller has it already (a node's routes). */
      destsText?: string;
    }
  | { kind: "K"; peer: number; id: string }
  | { kind: "A"; peer: number; ids: readonly string[] }
  | { kind: "L"; count: number }
  | { kind: "S"; id: string };

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

/**
 * The line of a record, newline included.
 *
 * @example
 * ```ts
 * journalLine({ kind: "K", peer: 3, id: "a-1" }); // "K 3 a-1\n"
 * ```
 */
export function journalLine(r: JournalRecord): string {
  switch (r.kind) {
    case "M":
    case "F":
      return `${r.kind} ${r.id} ${r.origin} ${r.destsText ?? destsText(r.dests)} ${r.content}\n`;
    case "K":
      return `K ${r.peer} ${r.id}\n`;
    case "A":
      return `A ${r.peer} ${r.ids.join(" ")}\n`;
    case "L":
      return `L ${r.count}\n`;
    case "S":
      return `S ${r.id}\n`;
  }
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

/**
 * Parses one line (without its newline); undefined for a line that is not a record (a torn
 * write at a crash, an empty line).
 *
 * @example
 * ```ts
 * parseJournalLine("L 42"); // { kind: "L", count: 42 }
 * ```
 */
export function parseJournalLine(line: string): JournalRecord | undefined {
  const kind = line[0];
  if (line[1] !== " ") return undefined;
  if (kind === "M" || kind === "F") {
    const a = line.indexOf(" ", 2);
    const b = a < 0 ? -1 : line.indexOf(" ", a + 1);
    const c = b < 0 ? -1 : line.indexOf(" ", b + 1);
    if (c < 0) return undefined;
    const origin = line.slice(a + 1, b);
    const dests = parseDests(line.slice(b + 1, c));
    if (!INT.test(origin) || !dests) return undefined;
    return { kind, id: line.slice(2, a), origin: Number(origin), dests, content: line.slice(c + 1) };
  }
  const parts = line.split(" ");
  if (kind === "K" && parts.length === 3 && INT.test(parts[1]!)) return { kind, peer: Number(parts[1]), id: parts[2]! };
  if (kind === "A" && parts.length >= 3 && INT.test(parts[1]!) && !parts.includes(""))
    return { kind, peer: Number(parts[1]), ids: parts.slice(2) };
  if (kind === "L" && parts.length === 2 && INT.test(parts[1]!)) return { kind, count: Number(parts[1]) };
  if (kind === "S" && parts.length === 2) return { kind, id: parts[1]! };
  return undefined;
}
