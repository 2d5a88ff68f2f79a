/**
 * A node's start from a journal of format 1 (no checksums, no seqs: written before they
 * existed), once: what a crash kept out of access.log and the store is found by matching
 * their last lines, as that format allowed, and the journal is rewritten in format 2.
 *
 * @module
 */
import { statSync } from "node:fs";
import { alreadyLogged, type ReplayState } from "./journal_replay.ts";
import type { LogFiles } from "./log_files.ts";
import { accessLine, compactStamp } from "./message.ts";
import { compactJournal } from "./journal_compact.ts";
import type { Recovered, StoreRows } from "./recovery.ts";

/** Bytes of an access.log line before its content: the 16-character stamp and a space. */
const STAMP_BYTES = 17;

/**
 * Recovers from a format-1 journal's replay and rewrites the journal in format 2.
 *
 * @throws {Error} when the files cannot be read or written
 * @example
 * ```ts
 * import { replayJournal } from "./journal_replay.ts";
 * const r = recoverV1(files, replayJournal(files.readJournal()));
 * ```
 */
export function recoverV1(files: LogFiles, state: ReplayState, store?: StoreRows): Recovered {
  const contents = state.unconfirmed.map((e) => e.content);
  const need = contents.reduce((n, c) => n + Buffer.byteLength(c) + STAMP_BYTES + 1, 0);
  const tail = files.accessTail(need + 65536).map((l) => l.slice(STAMP_BYTES));
  const missing = contents.slice(alreadyLogged(contents, tail));
  const stamp = compactStamp(new Date());
  files.access.append(missing.map((c) => accessLine(stamp, c)).join(""));
  let storeRepaired = 0;
  if (store) {
    const ids = state.unconfirmed.map((e) => e.id);
    const held = store.between(Math.max(1, store.lastSeq - ids.length + 1), store.lastSeq).map((m) => m.id);
    const add = state.unconfirmed.slice(alreadyLogged(ids, held));
    store.put(add.map((e, i) => ({ seq: store.lastSeq + 1 + i, id: e.id, origin: e.origin, content: e.content })));
    storeRepaired = add.length;
  }
  files.syncNow();
  const seq = store?.lastSeq ?? state.v1!.recorded;
  const pending = [...state.pending.values()];
  const skipped = state.damaged.reduce((n, d) => n + d.lines, 0) + (state.tornFrom !== undefined ? 1 : 0);
  compactJournal(files, state.seen, pending, seq);
  return {
    seen: state.seen,
    pending,
    seq,
    journalBytes: statSync(files.journal.path).size,
    repaired: missing.length,
    storeRepaired,
    damage: skipped > 0 ? [`journal ${files.journal.path} (format 1): skipped ${skipped} torn lines`] : [],
    notes: [`journal ${files.journal.path}: read in format 1 (no checksums) and rewritten in format 2, after message ${seq}`],
    lost: 0,
  };
}
