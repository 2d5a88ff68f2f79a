/**
 * Directory snapshots and their differences (pure): what was added, changed in content,
 * touched (mtime only) or removed between two scans.
 *
 * @module
 */

/** What is known of one file at one scan. */
export interface FileState {
  mtimeMs: number;
  size: number;
  /**
   * Hash of the content (64-bit wyhash, its low 52 bits), to tell an edit from a touch: a
   * number held in the record, not a string of its own (100 000 files: about 5 MiB less).
   */
  hash: number;
}

/** File name → state, for the files of interest in one folder. */
export type Snapshot = Map<string, FileState>;

/** The difference between two snapshots, each list sorted by name. */
export interface DirChanges {
  added: string[];
  /** Content differs. */
  changed: string[];
  /** Same content, new mtime (`touch`): a reload request. */
  touched: string[];
  removed: string[];
}

/**
 * Compares two snapshots.
 *
 * @example
 * ```ts
 * diffSnapshots(new Map(), new Map([["a.ini", { mtimeMs: 1, size: 1, hash: 7 }]])).added; // ["a.ini"]
 * ```
 */
export function diffSnapshots(prev: Snapshot, next: Snapshot): DirChanges {
  const out: DirChanges = { added: [], changed: [], touched: [], removed: [] };
  for (const [name, state] of next) {
    const old = prev.get(name);
    if (!old) out.added.push(name);
    else if (old.hash !== state.hash) out.changed.push(name);
    else if (old.mtimeMs !== state.mtimeMs) out.touched.push(name);
  }
  for (const name of prev.keys()) if (!next.has(name)) out.removed.push(name);
  for (const list of Object.values(out)) list.sort();
  return out;
}

/** True when `changes` holds nothing. */
export function isEmpty(changes: DirChanges): boolean {
  return changes.added.length + changes.changed.length + changes.touched.length + changes.removed.length === 0;
}
