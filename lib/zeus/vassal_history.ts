/**
 * Each vassal's history for the console (placements, state changes, restarts, moves,
 * config changes, rollout steps), read off successive `/status` documents: the
 * coordinator keeps no history, so the console diffs what it shows. Pure: statuses in,
 * lines out. A history starts when this zeus started serving its console.
 *
 * @module
 */
import type { VassalStatusRow } from "./zeus_status.ts";

/** One line of a vassal's history. */
export interface HistoryLine {
  /** ms since the epoch. */
  at: number;
  text: string;
}

/** Lines kept per vassal. */
export const HISTORY_LINES = 100;

const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : "none");

/**
 * What changed between two rows of the same vassal (`before` undefined: it is new).
 *
 * @example
 * ```ts
 * declare const row: VassalStatusRow;
 * vassalChanges(undefined, row); // ["config added (sha256 3f2a…)", "copy placed on e1: offered"]
 * ```
 */
export function vassalChanges(before: VassalStatusRow | undefined, after: VassalStatusRow): string[] {
  const out: string[] = [];
  if (!before) out.push(`config added (sha256 ${short(after.sha256)}, ${after.copies} wanted)`);
  else if (before.sha256 !== after.sha256) out.push(`config changed: sha256 ${short(before.sha256)} → ${short(after.sha256)}`);
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
  #last = new Map<string, VassalStatusRow>();
  #lines = new Map<string, HistoryLine[]>();

  /** Records what changed since the last call. A vassal gone is forgotten, history and all. */
  observe(vassals: readonly VassalStatusRow[], at: number): void {
    const seen = new Set<string>();
    for (const v of vassals) {
      seen.add(v.name);
      const texts = vassalChanges(this.#last.get(v.name), v);
      this.#last.set(v.name, v);
      if (texts.length === 0) continue;
      let lines = this.#lines.get(v.name);
      if (!lines) this.#lines.set(v.name, (lines = []));
      for (const text of texts) lines.push({ at, text });
      if (lines.length > HISTORY_LINES) lines.splice(0, lines.length - HISTORY_LINES);
    }
    for (const name of [...this.#last.keys()]) {
      if (seen.has(name)) continue;
      this.#last.delete(name);
      this.#lines.delete(name);
    }
  }

  /** A vassal's history, oldest first. */
  of(name: string): readonly HistoryLine[] {
    return this.#lines.get(name) ?? [];
  }
}
