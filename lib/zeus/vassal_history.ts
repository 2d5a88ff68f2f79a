/**
 * Each vassal's history for the console (placements, state changes, restarts, moves,
 * config changes, rollout steps), read off successive `/status` rows: the coordinator
 * keeps no history, so the console diffs what it shows. Pure: rows in, lines out. A
 * history starts when this zeus started serving its console.
 *
 * What is kept per vassal is small, as a fleet of 100 000 vassals keeps it for every one:
 * the fields a change is read from, as one string ({@link seenKey}), and the lines as one
 * string; rows are compared by that key and only a changed one is read again.
 *
 * @module
 */
import type { CopyStatus, VassalStatusRow } from "./zeus_status.ts";

/** One line of a vassal's history. */
export interface HistoryLine {
  /** ms since the epoch. */
  at: number;
  text: string;
}

/** What a change is read from in the row before: the fields of a row {@link vassalChanges} compares. */
export interface SeenRow {
  sha256?: string;
  state: string;
  moves: number;
  note?: string;
  rollout?: { state: string; updated: number; total: number };
  emperors: Pick<CopyStatus, "node" | "state" | "restarts" | "health">[];
}

/** Lines kept per vassal. */
export const HISTORY_LINES = 100;

const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : "none");

/** Characters of a digest a history keeps to tell configs apart (64 bits; the lines show 12). */
const SHA_KEPT = 16;
const kept = (sha: string | undefined) => sha?.slice(0, SHA_KEPT);

/**
 * What changed between two rows of the same vassal (`before` undefined: it is new).
 *
 * @example
 * ```ts
 * declare const row: VassalStatusRow;
 * vassalChanges(undefined, row); // ["config added (sha256 3f2a…)", "copy placed on e1: offered"]
 * ```
 */
export function vassalChanges(before: SeenRow | undefined, after: VassalStatusRow): string[] {
  const out: string[] = [];
  if (!before) out.push(`config added (sha256 ${short(after.sha256)}, ${after.copies} wanted)`);
  else if (kept(before.sha256) !== kept(after.sha256)) out.push(`config changed: sha256 ${short(before.sha256)} → ${short(after.sha256)}`);
  if (before && before.state !== after.state) out.push(`state ${before.state} → ${after.state}${after.error ? `: ${after.error}` : ""}`);
  const was = new Map((before?.emperors ?? []).map((c) => [c.node, c]));
  for (const c of after.emperors) {
    const b = was.get(c.node);
    was.delete(c.node);
    if (!b) {
      out.push(`copy placed on ${c.node}: ${c.state}`);
      continue;
    }
    if (b.state !== c.state) out.push(`copy on ${c.node}: ${b.state} → ${c.state}${c.pid ? ` (pid ${c.pid})` : ""}`);
    if (c.restarts > b.restarts) out.push(`copy on ${c.node} restarted (${c.restarts} in all)${c.exit ? `, last exit: ${c.exit}` : ""}`);
    if (b.health !== c.health && c.health) out.push(`copy on ${c.node} is ${c.health}${c.check ? `: ${c.check}` : ""}`);
  }
  for (const node of was.keys()) out.push(`copy on ${node} gone`);
  if (before && after.moves > before.moves) out.push(`moved off a lost emperor (${after.moves} moves in all)`);
  const r = after.rollout;
  const br = before?.rollout;
  if (r && (!br || br.state !== r.state || br.updated !== r.updated || br.total !== r.total)) {
    out.push(`rollout ${r.state}: ${r.updated}/${r.total} updated${r.reason ? ` (${r.reason})` : ""}`);
  }
  if (before && before.note !== after.note && after.note) out.push(`waits: ${after.note}`);
  return out;
}

type Key = [string | null, string, number, string | null, [string, number, number] | null, ...(string | number | null)[]];

/**
 * The fields of `row` that {@link vassalChanges} reads from the row before, as one string:
 * equal keys, no change; {@link seenRow} reads it back.
 *
 * @example
 * ```ts
 * declare const row: VassalStatusRow;
 * seenRow(seenKey(row)).state === row.state; // true
 * ```
 */
export function seenKey(row: SeenRow): string {
  const r = row.rollout;
  const key: Key = [kept(row.sha256) ?? null, row.state, row.moves, row.note ?? null, r ? [r.state, r.updated, r.total] : null];
  for (const c of row.emperors) key.push(c.node, c.state, c.restarts, c.health ?? null);
  return JSON.stringify(key);
}

/**
 * The fields a {@link seenKey} holds, as a row to compare the next one with.
 *
 * @example
 * ```ts
 * seenRow('["ab12","running",0,null,null,"e1","running",2,null]').emperors[0]?.restarts; // 2
 * ```
 */
export function seenRow(key: string): SeenRow {
  const [sha256, state, moves, note, r, ...copies] = JSON.parse(key) as Key;
  const row: SeenRow = { state, moves, emperors: [] };
  if (sha256 !== null) row.sha256 = sha256;
  if (note !== null) row.note = note;
  if (r) row.rollout = { state: r[0], updated: r[1], total: r[2] };
  for (let i = 0; i < copies.length; i += 4) {
    const c: SeenRow["emperors"][number] = { node: copies[i] as string, state: copies[i + 1] as string, restarts: copies[i + 2] as number };
    if (copies[i + 3] !== null) c.health = copies[i + 3] as string;
    row.emperors.push(c);
  }
  return row;
}

/** `text` as JSON in ASCII (`→` as `\u2192`): a line with one character beyond Latin-1 would take two bytes for each of its characters. */
const asciiJson = (text: string): string =>
  JSON.stringify(text).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * The words most lines are made of, each kept as one control character: JSON escapes every
 * control character of a text, so none stands for itself in a kept line. 100 000 vassals keep
 * about five lines each.
 */
const PHRASES = [
  "copy placed on ",
  "copy on ",
  " \\u2192 ",
  "config added (sha256 ",
  " wanted)",
  "state ",
  "running",
  "offered",
  "accepted",
  "placing",
  "starting",
  "pending",
  " (pid ",
  "restarted (",
  " in all)",
];
const CODES = PHRASES.map((_, i) => String.fromCharCode(i < 8 ? i + 1 : i + 6)); // \x01-\x08, \x0e-: not \t, \n, \v, \f, \r
const PHRASE_OF = new Map(CODES.map((c, i) => [c, PHRASES[i]!]));
const CODED = new RegExp(`[${CODES.join("")}]`, "g");

/** A line's JSON with its phrases as codes (read back by {@link uncoded}). */
const coded = (json: string): string => PHRASES.reduce((s, p, i) => s.replaceAll(p, CODES[i]!), json);
const uncoded = (kept: string): string => kept.replace(CODED, (c) => PHRASE_OF.get(c)!);

/**
 * A vassal's last row's key ({@link seenKey}, a JSON array: no newline in it), a newline, then
 * its lines (each `${at in base 36}${JSON text, phrases coded}\n`): one string a vassal, not an
 * object holding two (at 100 000 vassals each object and string kept costs a few MiB, and more
 * in the blocks of a heap that does not move them).
 */
const keyOf = (kept: string): string => kept.slice(0, kept.indexOf("\n"));
const linesOf = (kept: string): string => kept.slice(kept.indexOf("\n") + 1);

/**
 * The histories of every vassal, fed each `/status` document's vassals.
 *
 * @example
 * ```ts
 * const h = new VassalHistory();
 * h.observe(zeusStatus(core).vassals, Date.now());
 * h.of("web.toml"); // [{ at, text: "config added (...)" }, ...]
 * ```
 */
export class VassalHistory {
  #kept = new Map<string, string>();

  /** Records what changed since the last call. A vassal gone is forgotten, history and all. */
  observe(vassals: Iterable<VassalStatusRow>, at: number): void {
    const seen = new Set<string>();
    this.take(vassals, at, seen);
    this.forget((name) => seen.has(name));
  }

  /**
   * Records what changed in these vassals (a slice of the rows: the console reads a row of
   * each of 100 000 vassals a slice per turn of the event loop, not at once).
   *
   * @param seen if given, the names of the rows are added to it
   */
  take(vassals: Iterable<VassalStatusRow>, at: number, seen?: Set<string>): void {
    for (const v of vassals) {
      seen?.add(v.name);
      const key = seenKey(v);
      const kept = this.#kept.get(v.name);
      const before = kept === undefined ? undefined : keyOf(kept);
      if (before === key) continue;
      const texts = vassalChanges(before === undefined ? undefined : seenRow(before), v);
      const lines = kept === undefined ? "" : linesOf(kept);
      this.#kept.set(v.name, flat(`${key}\n${texts.length > 0 ? added(lines, texts, at) : lines}`));
    }
  }

  /** Forgets every vassal (history and all) for which `live` is false: the vassals gone. */
  forget(live: (name: string) => boolean): void {
    for (const name of this.#kept.keys()) if (!live(name)) this.#kept.delete(name);
  }

  /** A vassal's history, oldest first. */
  of(name: string): readonly HistoryLine[] {
    const kept = this.#kept.get(name);
    return (kept === undefined ? "" : linesOf(kept))
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        const cut = l.indexOf('"');
        return { at: parseInt(l.slice(0, cut), 36), text: JSON.parse(uncoded(l.slice(cut))) as string };
      });
  }
}

/** `lines` with `texts` added at `at`, the oldest dropped beyond {@link HISTORY_LINES}. */
function added(lines: string, texts: string[], at: number): string {
  let out = lines + texts.map((t) => `${at.toString(36)}${coded(asciiJson(t))}\n`).join("");
  let count = 0;
  for (let i = out.indexOf("\n"); i >= 0; i = out.indexOf("\n", i + 1)) count++;
  for (; count > HISTORY_LINES; count--) out = out.slice(out.indexOf("\n") + 1);
  return out;
}

/** A string built by + is a tree of its parts (32 bytes a node, each part kept): copied, it is one flat string of bytes. */
const flat = (s: string): string => Buffer.from(s, "latin1").toString("latin1");
