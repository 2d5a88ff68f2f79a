/**
 * `--rebuild-journal`: a journal lost while the store still holds the node's messages is
 * rebuilt from the store: the ids it holds (de-dup memory, so a peer's re-send is not logged
 * twice) and, as forwarding duties to every peer, its last {@link REBUILD_RESEND} messages
 * (peers drop what they have by id; what a peer lacked because a lost duty was never
 * carried out reaches it). What this node lacks reaches it from the peers' own duties.
 *
 * @module
 */
import { DEDUP_CAPACITY, IdSet } from "./dedup.ts";
import type { Entry } from "./entry.ts";
import type { LogFiles } from "./log_files.ts";
import type { RingStore } from "./listen/store.ts";
import { compactJournal } from "./journal_compact.ts";

/** Messages of the store re-sent to every peer by a rebuild (each peer's de-dup memory holds 500 000 ids). */
export const REBUILD_RESEND = 100_000;

/** Rows read from the store at once. */
const PAGE = 10_000;

/**
 * Writes a new journal from the store. Returns a line for the log.
 *
 * @param nodes the ring's node names, in ring order
 * @param self this node's position
 * @throws {Error} when the store cannot be read or the journal written
 * @example
 * ```ts
 * declare const store: RingStore;
 * log.info(rebuildJournal(files, store, ["MV", "PA", "G"], 2));
 * ```
 */
export function rebuildJournal(files: LogFiles, store: RingStore, nodes: readonly string[], self: number): string {
  const seen = new IdSet(DEDUP_CAPACITY);
  const pending: Entry[] = [];
  const position = new Map(nodes.map((n, i) => [n, i]));
  const from = Math.max(store.oldestSeq(), store.lastSeq - DEDUP_CAPACITY + 1);
  const resendFrom = store.lastSeq - REBUILD_RESEND + 1;
  for (let seq = from; seq <= store.lastSeq; seq += PAGE) {
    for (const m of store.read(seq, PAGE)) {
      seen.add(m.id);
      if (m.seq < resendFrom) continue;
      const dests = new Map<number, number>();
      for (let i = 0; i < nodes.length; i++) if (i !== self) dests.set(i, 0);
      pending.push({ id: m.id, origin: position.get(m.origin) ?? self, content: m.content, dests });
    }
  }
  // A row that fails its checksum was logged all the same: its id (as it still reads) is
  // seen, so catching up does not log it again; it is mended from the peers (mend_rows.ts).
  for (const seq of store.damagedSeqs) {
    const raw = store.unchecked(seq);
    if (raw) seen.add(raw.id);
  }
  compactJournal(files, seen, pending, store.lastSeq);
  return `journal rebuilt from ${store.path}: ${seen.size} ids remembered, ${pending.length} messages to be sent again to every peer (they drop what they have)`;
}
