/**
 * Journal compaction: the journal rewritten to what it must keep.
 *
 * @module
 */
import type { IdSet } from "./dedup.ts";
import type { Entry } from "./entry.ts";
import { JOURNAL_VERSION, journalLine } from "./journal_format.ts";
import type { LogFiles } from "./log_files.ts";
import { writeFileAtomic } from "../fs/mod.ts";

/**
 * Rewrites the journal to the ids to remember (S) and the duties still owed (F), after a V
 * line with the last seq, via a temporary file, fsync and rename. Returns the new size.
 *
 * @param seq the seq of the last message logged (access.log and the store hold it, on disk)
 * @throws {Error} when it cannot be written; the old journal is then left as it was
 *
 * @example
 * ```ts
 * compactJournal(files, node.seen, [], 1234); // the new journal size in bytes (no entry pending)
 * ```
 */
export function compactJournal(files: LogFiles, seen: IdSet, pending: Iterable<Entry>, seq: number): number {
  const parts: string[] = [journalLine({ kind: "V", version: JOURNAL_VERSION, seq })];
  for (const id of seen.values()) parts.push(journalLine({ kind: "S", id }));
  for (const e of pending) parts.push(journalLine({ kind: "F", id: e.id, origin: e.origin, dests: e.dests, content: e.content }));
  const bytes = Buffer.from(parts.join(""));
  writeFileAtomic(files.journal.path, bytes, { durable: true });
  files.journal.reopen();
  return bytes.byteLength;
}
