/**
 * Rebuilding a node's state from its journal at start. Pure: text in, state out. A line
 * whose checksum fails is never replayed: damaged lines are reported as ranges, and bad
 * lines at the end (a write a crash tore, or a file cut short) are the torn tail, which
 * the caller cuts off.
 *
 * @module
 */
import { IdSet } from "./dedup.ts";
import type { Entry } from "./entry.ts";
import { type JournalRecord, parseJournalLine, parseJournalLineV1 } from "./journal_format.ts";

/** A journalled message with the seq it was logged under. */
export interface SeqEntry extends Entry {
  seq: number;
}

/** Lines of the journal that failed their checksum, by character index in its text. */
export interface DamagedRange {
  /** Index of the first character of the first bad line. */
  from: number;
  /** Index just past the last bad line's newline. */
  to: number;
  lines: number;
}

/** What a journal says about the node that wrote it. */
export interface ReplayState {
  /** 2 for this format, 1 for a journal of the older format, 0 for an empty one. */
  version: 0 | 1 | 2;
  seen: IdSet;
  /** Messages some peer has not acknowledged, oldest first. */
  pending: Map<string, Entry>;
  /** The seq of the last message logged before this journal began (its V line). */
  base: number;
  /** The highest seq the journal accounts for (V, M and L lines). */
  lastSeq: number;
  /** The last L mark: access.log and the store hold every message up to it. */
  loggedSeq: number;
  /**
   * M records after the last L mark, oldest first: maybe not in access.log or the store yet;
   * preceded by those since the P line before the mark (to count offsets from).
   */
  unconfirmed: SeqEntry[];
  /** P lines since the one before the last L mark: where the access.log line of a seq starts. */
  offsets: Map<number, number>;
  /** Bad lines followed by good ones. */
  damaged: DamagedRange[];
  /** Index where the bad lines at the end begin (the torn tail), if there are any. */
  tornFrom?: number;
  /** Whole lines (newline included) in the torn tail: damaged records rather than a cut. */
  tornLines?: number;
  /** M records the caller asked to keep (`keep`): what the store lacks or holds damaged. */
  after: SeqEntry[];
  /** Seq ranges [from, to] between M records that have no record: theirs were damaged. */
  gaps: [number, number][];
  /** The first line (V) was damaged: the journal's start is not known from it. */
  headLost?: boolean;
  /** Format 1 only: how many M records the journal holds, and the last L count. */
  v1?: { recorded: number; count: number };
}

/**
 * Replays a journal's text.
 *
 * @param opts.keep which M records to keep in `after`, by seq (what the store lacks or holds damaged)
 * @param opts.dedupCapacity size of the rebuilt de-dup memory
 * @example
 * ```ts
 * const state = replayJournal(files.readJournal(), { keep: (seq) => seq > 100 });
 * ```
 */
export function replayJournal(text: string, opts: { keep?: (seq: number) => boolean; dedupCapacity?: number } = {}): ReplayState {
  const state: ReplayState = {
    version: 0,
    seen: new IdSet(opts.dedupCapacity),
    pending: new Map(),
    base: 0,
    lastSeq: 0,
    loggedSeq: 0,
    unconfirmed: [],
    offsets: new Map(),
    damaged: [],
    after: [],
    gaps: [],
  };
  const keep = opts.keep ?? (() => false);
  if (text === "") return state;
  const head = text.split("\n", 4);
  if (parseJournalLine(head[0]!)?.kind === "V") state.version = 2;
  else if (head.slice(1).some((l) => parseJournalLine(l) !== undefined)) {
    // Format 2 whose V line was damaged.
    state.version = 2;
    state.headLost = true;
  } else {
    // No V line: a journal of the older format.
    state.version = 1;
    state.v1 = { recorded: 0, count: 0 };
  }
  let lastM = -1;
  let bad: DamagedRange | undefined;
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf("\n", at);
    const torn = end < 0;
    if (torn) end = text.length;
    const line = text.slice(at, end);
    const next = torn ? end : end + 1;
    if (line !== "") {
      const r = state.version === 2 ? parseJournalLine(line) : parseJournalLineV1(line);
      // A last line without its newline was cut by a crash even when it parses.
      if (!r || torn) {
        if (bad && bad.to === at) {
          bad.to = next;
          bad.lines++;
        } else state.damaged.push((bad = { from: at, to: next, lines: 1 }));
      } else {
        if (r.kind === "M" && state.version === 2) {
          if (lastM >= 0 && r.seq > lastM + 1) state.gaps.push([lastM + 1, r.seq - 1]);
          lastM = r.seq;
        }
        if (r.kind === "V") lastM = r.seq;
        apply(state, r);
        if (r.kind === "M" && state.version === 2 && keep(r.seq)) state.after.push(state.unconfirmed.at(-1)!);
      }
    }
    at = next;
  }
  // Bad lines with nothing good after them are the torn tail.
  const last = state.damaged.at(-1);
  if (last && last.to >= text.length) {
    state.damaged.pop();
    state.tornFrom = last.from;
    state.tornLines = text.endsWith("\n") ? last.lines : last.lines - 1;
  }
  return state;
}

function apply(state: ReplayState, r: JournalRecord): void {
  switch (r.kind) {
    case "V":
      state.base = state.lastSeq = state.loggedSeq = r.seq;
      break;
    case "M":
    case "F": {
      state.seen.add(r.id);
      const entry: SeqEntry = { id: r.id, origin: r.origin, content: r.content, dests: r.dests, seq: r.kind === "M" ? r.seq : 0 };
      if (r.dests.size > 0) {
        // A re-forward of a pending id adds duties to the entry already pending.
        const prev = state.pending.get(r.id);
        if (prev) for (const [p, w] of r.dests) prev.dests.set(p, w);
        else state.pending.set(r.id, entry);
      }
      if (r.kind === "M") logged(state, entry);
      break;
    }
    case "P":
      state.offsets.set(r.seq, r.offset);
      break;
    case "K":
      acked(state.pending, r.peer, r.id);
      break;
    case "A":
      for (const id of r.ids) acked(state.pending, r.peer, id);
      break;
    case "L":
      confirmed(state, r.seq);
      break;
    case "S":
      state.seen.add(r.id);
      break;
  }
}

/** An M record: format 2 gives its seq, format 1 its place. */
function logged(state: ReplayState, entry: SeqEntry): void {
  if (state.v1) entry.seq = ++state.v1.recorded;
  state.lastSeq = Math.max(state.lastSeq, entry.seq);
  state.unconfirmed.push(entry);
}

/**
 * An L mark: everything up to `seq` (format 1: the first `seq` M records) is in access.log
 * and the store. The records from the last P line at or before it are kept all the same:
 * the offsets of the lines after the mark are counted from that P line.
 */
function confirmed(state: ReplayState, seq: number): void {
  let from = seq + 1;
  if (state.v1) state.v1.count = seq;
  else {
    state.loggedSeq = Math.max(state.loggedSeq, seq);
    state.lastSeq = Math.max(state.lastSeq, seq);
    let start = -1;
    for (const s of state.offsets.keys()) if (s <= seq + 1 && s > start) start = s;
    for (const s of state.offsets.keys()) if (s < start) state.offsets.delete(s);
    if (start >= 0) from = start;
  }
  let keep = 0;
  while (keep < state.unconfirmed.length && state.unconfirmed[keep]!.seq < from) keep++;
  state.unconfirmed.splice(0, keep);
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
 * them that matches the last lines' contents. Used once, for a journal of format 1 (no seqs
 * and offsets to decide by).
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
