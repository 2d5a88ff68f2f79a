/**
 * Opening the node's store at start: a store SQLite cannot open, whose pages fail SQLite's
 * own check, or whose segments hold damage past which records follow, is set aside (renamed, never deleted) and a new one is made, which
 * recovery then fills from the journal.
 *
 * @module
 */
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { compactStamp } from "./message.ts";
import { RingStore, SEGMENTS_DIR } from "./listen/store.ts";

/** The store, and what was set aside (for the log). */
export interface StoreOpened {
  store: RingStore;
  /** Set when the store was damaged: where it was put and why. */
  setAside?: { path: string; reason: string };
}

/**
 * Opens the store in `dir`; a damaged one (or any, with `rebuild`) is moved aside as
 * `store.db.damaged-STAMP` with its `-wal` and `-shm`, and its segments as
 * `messages.damaged-STAMP`, and a new empty one opened.
 *
 * @throws {Error} when even a new store cannot be made
 * @example
 * ```ts
 * const { store, setAside } = openStore("/var/lib/zog/MV", { durable: true });
 * ```
 */
export function openStore(dir: string, opts: { durable: boolean; rebuild?: boolean }): StoreOpened {
  let reason = opts.rebuild ? "zog repair was asked to rebuild it" : undefined;
  if (!reason) {
    try {
      const store = RingStore.open(dir, { durable: opts.durable });
      const problem = store.check();
      if (!problem) return { store };
      store.close();
      reason = problem;
    } catch (e) {
      reason = (e as Error).message;
    }
  }
  const path = join(dir, "store.db");
  const stamp = compactStamp(new Date());
  const aside = `${path}.damaged-${stamp}`;
  for (const suffix of ["", "-wal", "-shm"]) if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  const segments = join(dir, SEGMENTS_DIR);
  if (existsSync(segments)) renameSync(segments, `${segments}.damaged-${stamp}`);
  return { store: RingStore.open(dir, { durable: opts.durable }), setAside: { path: aside, reason } };
}
