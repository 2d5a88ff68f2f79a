/**
 * A node's start from its files: replay the journal, append to access.log what a crash
 * kept out of it, and keep the journal bounded by compaction.
 *
 * @module
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { type IdSet } from "./dedup.ts";
import type { Entry } from "./entry.ts";
import { journalLine } from "./journal_format.ts";
import { alreadyLogged, replayJournal } from "./journal_replay.ts";
import type { LogFiles } from "./log_files.ts";
import { accessLine, compactStamp } from "./message.ts";
import { writeFileAtomic } from "../fs/atomic_write.ts";

/** A journal past this size is rewritten to what it must keep (documented in docs/ring.md). */
export const JOURNAL_COMPACT_BYTES = 64 * 1024 * 1024;

/** What a node starts from. */
export interface Recovered {
  seen: IdSet;
  pending: Entry[];
  recorded: number;
  journalBytes: number;
  /** Lines appended to access.log because a crash came between journal and access.log. */
  repaired: number;
  skipped: number;
}

/**
 * Replays the journal and repairs access.log (and, through `repairStore`, the store).
 *
 * @throws {Error} when the files cannot be read or written
 * @example
 * ```ts
 * const r = recover(files); console.log(`${r.pending.length} messages still owed to peers`);
 * ```
 */
export function recover(files: LogFiles, repairStore?: (unconfirmed: readonly Entry[]) => void): Recovered {
  const state = replayJournal(files.readJournal().split("\n"));
  const stampLen = compactStamp(new Date()).length + 1;
  const contents = state.unconfirmed.map((e) => e.content);
  // Enough of the file's end to hold every unconfirmed line (a batch can be thousands).
  const need = contents.reduce((n, c) => n + Buffer.byteLength(c) + stampLen + 1, 0);
  const tail = files.accessTail(need + 65536).map((l) => l.slice(stampLen));
  const missing = contents.slice(alreadyLogged(contents, tail));
  const stamp = compactStamp(new Date());
  files.access.append(missing.map((c) => accessLine(stamp, c)).join(""));
  // The store takes a batch right after access.log: what it may lack is also unconfirmed.
  repairStore?.(state.unconfirmed);
  // The L mark vouches for the repairs: they are on disk first.
  if (missing.length > 0 || state.unconfirmed.length > 0) files.syncNow();
  files.journal.append(journalLine({ kind: "L", count: state.recorded }));
  const recovered = {
    seen: state.seen,
    pending: [...state.pending.values()],
    recorded: state.recorded,
    journalBytes: statSync(files.journal.path).size,
    repaired: missing.length,
    skipped: state.skipped,
  };
  if (recovered.journalBytes > JOURNAL_COMPACT_BYTES) {
    recovered.journalBytes = compactJournal(files, recovered.seen, recovered.pending);
    recovered.recorded = 0;
  }
  return recovered;
}

/**
 * Rewrites the journal to the ids to remember (S) and the duties still owed (F), via a
 * temporary file, fsync and rename. Returns the new size.
 *
 * @throws {Error} when it cannot be written; the old journal is then left as it was
 *
 * @example
 * ```ts
 * compactJournal(files, node.seen, []); // the new journal size in bytes (no entry pending)
 * ```
 */
export function compactJournal(files: LogFiles, seen: IdSet, pending: Iterable<Entry>): number {
  const parts: string[] = [];
  for (const id of seen.values()) parts.push(`S ${id}\n`);
  for (const e of pending) parts.push(journalLine({ kind: "F", id: e.id, origin: e.origin, dests: e.dests, content: e.content }));
  const bytes = Buffer.from(parts.join(""));
  writeFileAtomic(files.journal.path, bytes, { durable: true });
  files.journal.reopen();
  return bytes.byteLength;
}
