/**
 * A node's start from its files: replay the journal (checksummed records only), cut a torn
 * tail, decide from seqs what access.log and the store hold and put back what a crash kept
 * out of them, and keep the journal bounded by compaction.
 *
 * What access.log holds is decided from facts with checksums, never by matching its last
 * lines: the store holds every message up to its last seq, and access.log every message the
 * store holds (its line is written first); past the store, each commit's P record says at
 * which byte of access.log its lines start, and the lines there are compared with the
 * journal's records.
 *
 * @module
 */
import { ftruncateSync, openSync, closeSync, statSync } from "node:fs";
import { IdSet } from "./dedup.ts";
import type { Entry } from "./entry.ts";
import { compactJournal } from "./journal_compact.ts";
import { JOURNAL_VERSION, journalLine, parseJournalLine } from "./journal_format.ts";
import { type ReplayState, replayJournal, type SeqEntry } from "./journal_replay.ts";
import type { LogFiles } from "./log_files.ts";
import { accessLine, compactStamp } from "./message.ts";
import { accessHolds } from "./access_check.ts";
import { restoreBefore } from "./access_restore.ts";
import { encodeRanges } from "./listen/ranges.ts";
import { recoverV1 } from "./recovery_v1.ts";

export { compactJournal };

/** A journal past this size is rewritten to what it must keep (documented in docs/ring.md). */
export const JOURNAL_COMPACT_BYTES = 64 * 1024 * 1024;

/** What recovery needs of the store: its last seq, and writing rows under given seqs. */
export interface StoreRows {
  readonly lastSeq: number;
  /** Adds messages under their seqs (ascending, all past lastSeq); lastSeq becomes the last. */
  put(rows: readonly { seq: number; id: string; origin: number; content: string }[]): void;
  /** Moves lastSeq on to `seq` (messages the store lacks and nothing holds: never reused). */
  skipTo(seq: number): void;
  /** Seqs of the rows past `after` that fail their checksum. */
  scanDamaged(after: number): number[];
  /** Writes damaged rows again from the journal's records of them. */
  replace(rows: readonly { seq: number; id: string; origin: number; content: string }[]): void;
  /** Messages of seqs from..to that the store holds (to rebuild what a damaged journal lost). */
  between(from: number, to: number): { seq: number; id: string; origin: number; content: string }[];
}

/** What a node starts from. */
export interface Recovered {
  seen: IdSet;
  pending: Entry[];
  /** The seq of the last message journalled (the next gets seq + 1). */
  seq: number;
  journalBytes: number;
  /** Lines appended to access.log because a crash came between journal and access.log. */
  repaired: number;
  /** Messages added to the store from the journal. */
  storeRepaired: number;
  /** What was damaged, one line per range (for the log, warn). */
  damage: string[];
  /** What was done about it and other repairs (for the log, info). */
  notes: string[];
  /** Messages the store lost that the journal could not give back (its peers may). */
  lost: number;
}

/** Thrown when the journal lost messages the store holds (cut short, or missing its start). */
export class JournalBehindError extends Error {}

/**
 * Replays the journal and repairs access.log and the store from it.
 *
 * @param store the store, if the node keeps one
 * @param self this node's position (duties rebuilt for lost records go to every other)
 * @param n how many nodes the ring has
 * @throws {JournalBehindError} when the store holds messages the journal lost and no damage
 *   in it explains them (the journal was cut short): `--rebuild-journal` is the way out
 * @throws {Error} when the files cannot be read or written
 * @example
 * ```ts
 * const r = recover(files); console.log(`${r.pending.length} messages still owed to peers`);
 * ```
 */
export function recover(files: LogFiles, store?: StoreRows, ring: { self: number; n: number } = { self: 0, n: 1 }): Recovered {
  const text = files.readJournal();
  // Rows the journal still holds can be mended from it: those are checked at start (older
  // ones when read, and never served if damaged).
  const head = parseJournalLine(text.slice(0, Math.max(0, text.indexOf("\n"))));
  const damagedRows = new Set(store?.scanDamaged(head?.kind === "V" ? head.seq : 0) ?? []);
  const state = replayJournal(text, store ? { keep: (seq) => seq > store.lastSeq || damagedRows.has(seq) } : {});
  if (state.version === 1) return recoverV1(files, state, store);
  // A new journal starts with its V line: the seq it starts after.
  if (state.version === 0) files.journal.append(journalLine({ kind: "V", version: JOURNAL_VERSION, seq: store?.lastSeq ?? 0 }));
  if (state.version === 0) state.base = state.lastSeq = state.loggedSeq = store?.lastSeq ?? 0;
  const damage = describeDamage(files.journal.path, text, state);
  if (state.tornFrom !== undefined) cutJournal(files, Buffer.byteLength(text.slice(0, state.tornFrom)));
  const storeSeq = store?.lastSeq ?? state.loggedSeq;
  const notes: string[] = [];
  const pending = [...state.pending.values()];
  let seq = Math.max(state.lastSeq, state.base);
  if (state.headLost && state.lastSeq === 0 && storeSeq > seq) {
    notes.push(`journal: its first line (V) was damaged and it holds no message: it starts after the store's last, ${storeSeq}`);
    seq = storeSeq;
  }
  if (storeSeq > seq) {
    const explained = state.damaged.reduce((n, d) => n + d.lines, 0) + (state.tornLines ?? 0);
    if (storeSeq - seq > explained) throw behind(files, storeSeq, seq);
    state.gaps.push([seq + 1, storeSeq]);
    seq = storeSeq;
  }
  // Messages whose records were damaged: the store holds them (access.log too: its line is
  // written first). Their ids are seen, and every peer is sent them again (each drops what it
  // has), the duties those records held being unknown.
  for (const [from, to] of store ? state.gaps : []) {
    const held = store!.between(from, to);
    for (const m of held) {
      state.seen.add(m.id);
      pending.push({ id: m.id, origin: m.origin, content: m.content, dests: allBut(ring) });
    }
    notes.push(
      `journal: the records of messages ${from}-${to} were damaged: ${held.length} taken from the store and sent again to every peer`,
    );
  }
  const fix = repairLogged(files, state, store);
  damage.push(...fix.damage);
  let lost = 0;
  if (store && damagedRows.size > 0) {
    const mended = mendRows(store, state, damagedRows);
    damage.push(mended.line);
    lost += mended.lost;
  }
  if (fix.cut !== undefined) notes.push(`access.log: cut a torn line at byte ${fix.cut}`);
  if (store && store.lastSeq < seq) {
    damage.push(`store: messages ${store.lastSeq + 1}-${seq} are missing and not in the journal either`);
    lost += seq - store.lastSeq;
    store.skipTo(seq);
  }
  if (fix.appended > 0 || fix.stored > 0 || fix.damage.length > 0) files.syncNow();
  // The L mark vouches for the repairs: they are on disk first.
  files.journal.append(journalLine({ kind: "L", seq }));
  const recovered: Recovered = {
    seen: state.seen,
    pending,
    seq,
    journalBytes: statSync(files.journal.path).size,
    repaired: fix.appended,
    storeRepaired: fix.stored,
    damage,
    notes,
    lost,
  };
  // Duties rebuilt for damaged records are in no journal line yet: compaction writes them.
  if (recovered.journalBytes > JOURNAL_COMPACT_BYTES || pending.length > state.pending.size) {
    recovered.journalBytes = compactJournal(files, recovered.seen, pending, seq);
  }
  return recovered;
}

/** Every other node, with wrapping 0 (it logs and forwards nothing further). */
function allBut(ring: { self: number; n: number }): Map<number, number> {
  const dests = new Map<number, number>();
  for (let i = 0; i < ring.n; i++) if (i !== ring.self) dests.set(i, 0);
  return dests;
}

/** One line per damaged range of the journal, and one for its torn tail. */
function describeDamage(path: string, text: string, state: ReplayState): string[] {
  const byte = (i: number) => Buffer.byteLength(text.slice(0, i));
  const out = state.damaged.map(
    (d) =>
      `journal ${path}: bytes ${byte(d.from)}-${byte(d.to)} (${d.lines} record${d.lines === 1 ? "" : "s"}) fail their checksum: not replayed`,
  );
  if (state.tornFrom !== undefined) {
    const from = byte(state.tornFrom);
    out.push(
      `journal ${path}: a torn tail of ${Buffer.byteLength(text) - from} bytes from byte ${from} (a cut or an interrupted write): cut off, never read`,
    );
  }
  return out;
}

function cutJournal(files: LogFiles, bytes: number): void {
  const fd = openSync(files.journal.path, "r+");
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

function behind(files: LogFiles, storeSeq: number, seq: number): JournalBehindError {
  return new JournalBehindError(
    `the journal ${files.journal.path} ends at message ${seq} while the store holds messages up to ${storeSeq}: it was cut short, ` +
      `and starting from it would forget what was sent and acknowledged; put the whole journal back, ` +
      `or start once with --rebuild-journal to rebuild it from the store and the peers`,
  );
}

/** Writes the store's damaged rows again from the journal: a line saying which it could and could not mend, and how many it could not (the peers mend them: mend_rows.ts). */
function mendRows(store: StoreRows, state: ReplayState, damaged: ReadonlySet<number>): { line: string; lost: number } {
  const fromJournal = state.after.filter((e) => damaged.has(e.seq));
  store.replace(fromJournal.map((e) => ({ seq: e.seq, id: e.id, origin: e.origin, content: e.content })));
  const mended = new Set(fromJournal.map((e) => e.seq));
  const lost = [...damaged].filter((s) => !mended.has(s));
  const line =
    `store: ${damaged.size} message${damaged.size === 1 ? "" : "s"} failed ${damaged.size === 1 ? "its checksum" : "their checksums"} (${encodeRanges(damaged)})` +
    (mended.size > 0 ? `; written again from the journal: ${encodeRanges(mended)}` : "") +
    (lost.length > 0 ? `; not in the journal, never served: ${encodeRanges(lost)}` : "");
  return { line, lost: lost.length };
}

/**
 * Puts into access.log and the store the journalled messages a crash kept out of them, and
 * into access.log the lines a cut took from it. Returns how many lines were appended, rows
 * stored, where a torn line was cut, and what damage was found and mended.
 */
function repairLogged(
  files: LogFiles,
  state: ReplayState,
  store: StoreRows | undefined,
): { appended: number; stored: number; cut?: number; damage: string[] } {
  // Past the L mark: are their lines in access.log? The P offsets say where to look.
  const held = accessHolds(files.access.path, state.unconfirmed, state.offsets, state.loggedSeq);
  const damage = held.flipped.map(describeFlipped);
  let lines: { seq: number; content: string }[] = [];
  let from = held.from;
  let cutTo = held.cut;
  if (held.shortOf && store) {
    try {
      const restored = restoreBefore(files.access.path, held.shortOf, store);
      lines = restored.rows;
      from = held.shortOf.seq;
      cutTo = restored.cut;
    } catch (e) {
      damage.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (from !== undefined) lines = lines.concat(state.unconfirmed.filter((e) => e.seq >= from));
  const stamp = compactStamp(new Date());
  files.access.append(lines.map((e) => accessLine(stamp, e.content)).join(""));
  // Lines it had confirmed that are gone: the file was cut short.
  const lost = lines.filter((e) => e.seq <= state.loggedSeq);
  if (lost.length > 0) {
    damage.push(
      `access.log ${files.access.path}: cut short (messages ${lost[0]!.seq}-${lost.at(-1)!.seq} were logged and are gone): ` +
        `${cutTo === undefined ? "it ends at a line's end;" : `cut to its last whole line at byte ${cutTo} and`} ${lost.length} lines written again from the journal and the store`,
    );
  }
  let stored = 0;
  if (store) {
    const rows = state.after.filter((e) => e.seq > store.lastSeq);
    store.put(rows.map((e: SeqEntry) => ({ seq: e.seq, id: e.id, origin: e.origin, content: e.content })));
    stored = rows.length;
  }
  const torn = lost.length === 0 && held.cut !== undefined ? { cut: held.cut } : {};
  return { appended: lines.length, stored, damage, ...torn };
}

/** A warning for lines counted as logged although bytes of theirs differ. */
function describeFlipped(f: { seq: number; offset: number; bytes: number }): string {
  return (
    `access.log: the line of message ${f.seq} at byte ${f.offset} differs from the journal's record in ${f.bytes} byte${f.bytes === 1 ? "" : "s"} ` +
    `(a flipped bit): counted as logged, not appended again, and mended in place from the record; ` +
    `lines before the journal's L mark are not checked at start: \`zog verify --repair\` with the node stopped checks and mends every line`
  );
}
