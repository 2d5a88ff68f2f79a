/**
 * Rebuilding a node's state from its journal at start. Pure: lines in, state out.
 *
 * @module
 */
import { IdSet } from "./dedup.ts";
import type { Entry } from "./entry.ts";
import { parseJournalLine } from "./journal_format.ts";

/** What a journal says about the node that wrote it. */
export interface ReplayState {
  seen: IdSet;
  /** Messages some peer has not acknowledged, oldest first. */
  pending: Map<string, Entry>;
  /** How many M records the journal holds. */
  recorded: number;
  /** M records after the last L mark, oldest first: maybe not in access.log yet. */
  unconfirmed: Entry[];
  /** Lines that were not records (a torn write). */
  skipped: number;
}

/**
 * Replays journal lines.
 *
 * @param dedupCapacity size of the rebuilt de-dup memory
 * @example
 * ```ts
 * const state = replayJournal(text.split("\n"), 500_000);
 * ```
 */
export function replayJournal(lines: Iterable<string>, dedupCapacity?: number): ReplayState {
  const state: ReplayState = { seen: new IdSet(dedupCapacity), pending: new Map(), recorded: 0, unconfirmed: [], skipped: 0 };
  for (const line of lines) {
    if (line === "") continue;
    const r = parseJournalLine(line);
    if (!r) {
      state.skipped++;
      continue;
    }
    switch (r.kind) {
      case "M":
      case "F": {
        state.seen.add(r.id);
        const entry: Entry = { id: r.id, origin: r.origin, content: r.content, dests: r.dests };
        if (r.dests.size > 0) {
          // A re-forward of a pending id adds duties to the entry already pending.
          const prev = state.pending.get(r.id);
          if (prev) for (const [p, w] of r.dests) prev.dests.set(p, w);
          else state.pending.set(r.id, entry);
        }
        if (r.kind === "M") {
          state.recorded++;
          state.unconfirmed.push(entry);
        }
        break;
      }
      case "K":
        acked(state.pending, r.peer, r.id);
        break;
      case "A":
        for (const id of r.ids) acked(state.pending, r.peer, id);
        break;
      case "L":
        state.unconfirmed.splice(0, state.unconfirmed.length - (state.recorded - r.count));
        break;
      case "S":
        state.seen.add(r.id);
        break;
    }
  }
  return state;
}

/** `peer` acknowledged `id`: it owes that peer nothing more. */
function acked(pending: Map<string, Entry>, peer: number, id: string): void {
  const e = pending.get(id);
  if (!e) return;
  e.dests.delete(peer);
  if (e.dests.size === 0) pending.delete(id);
}

/**
 * How many of `unconfirmed` (oldest first) already end access.log: the longest prefix of
 * them that matches the last lines' contents.
 *
 * @param tailContents contents of access.log's last lines (stamps removed), oldest first
 * @example
 * ```ts
 * alreadyLogged(["a", "b"], ["x", "a"]); // 1: "a" is logged, "b" is not
 * ```
 */
export function alreadyLogged(unconfirmed: readonly string[], tailContents: readonly string[]): number {
  const n = tailContents.length;
  if (unconfirmed.length === 0) return 0;
  // The match starts where the tail holds the first unconfirmed record; the earliest such
  // start that runs to the end of the tail is the longest.
  for (let p = Math.max(0, n - unconfirmed.length); p < n; p++) {
    if (tailContents[p] !== unconfirmed[0]) continue;
    let i = 1;
    while (p + i < n && tailContents[p + i] === unconfirmed[i]) i++;
    if (p + i === n) return i;
  }
  return 0;
}
