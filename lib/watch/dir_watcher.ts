/**
 * Watches a folder through file-system events (changes seen within milliseconds), with a
 * periodic rescan as a safety net for events the OS drops.
 *
 * @module
 */
import { type FSWatcher, readdirSync, readFileSync, statSync, watch } from "node:fs";
import { join } from "node:path";
import { type DirChanges, diffSnapshots, isEmpty, type Snapshot } from "./snapshot.ts";

/** Options for {@link DirWatcher}. */
export interface DirWatcherOptions {
  /** Which file names count (e.g. `*.ini` and `*.toml`). */
  match: (name: string) => boolean;
  /** Called with each non-empty difference, and the snapshot it leads to. */
  onChange: (changes: DirChanges, snapshot: Snapshot) => void;
  /** Safety-net rescan period; default 2000 ms. */
  rescanMs?: number;
  /** Events within this window are folded into one scan; default 15 ms. */
  debounceMs?: number;
}

/**
 * Reads the folder's matching files. A file that vanishes or cannot be read between the
 * listing and the read is left out (it shows up at the next scan if it comes back).
 */
export function scanDir(dir: string, match: (name: string) => boolean, prev: Snapshot = new Map()): Snapshot {
  const snap: Snapshot = new Map();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Symlinks count when they point at a file (vassal files are often linked in).
    if (!(entry.isFile() || entry.isSymbolicLink()) || !match(entry.name)) continue;
    try {
      const st = statSync(join(dir, entry.name));
      if (!st.isFile()) continue;
      const old = prev.get(entry.name);
      const same = old && old.mtimeMs === st.mtimeMs && old.size === st.size;
      const hash = same ? old.hash : Bun.hash(readFileSync(join(dir, entry.name))).toString(36);
      snap.set(entry.name, { mtimeMs: st.mtimeMs, size: st.size, hash });
    } catch {
      // gone or unreadable right now
    }
  }
  return snap;
}

/**
 * A running watch of one folder.
 *
 * @example
 * ```ts
 * const w = new DirWatcher("/etc/vassals", { match: (n) => n.endsWith(".ini"), onChange: (c) => console.log(c) });
 * w.start(); // reports the files already there as added
 * ```
 */
export class DirWatcher {
  #snapshot: Snapshot = new Map();
  #watcher: FSWatcher | undefined;
  #rescan: ReturnType<typeof setInterval> | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;

  /** @param dir the folder to watch (must exist) */
  constructor(
    readonly dir: string,
    readonly opts: DirWatcherOptions,
  ) {}

  /** The files as of the last scan. */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /**
   * Scans once (reporting existing files as added), then watches.
   *
   * @throws {Error} when the folder cannot be read
   */
  start(): void {
    this.scan();
    this.#watcher = watch(this.dir, () => this.#schedule());
    this.#watcher.on("error", () => this.#schedule());
    this.#rescan = setInterval(() => this.scan(), this.opts.rescanMs ?? 2000);
  }

  /** Rescans now and reports any difference. */
  scan(): void {
    let next: Snapshot;
    try {
      next = scanDir(this.dir, this.opts.match, this.#snapshot);
    } catch {
      return; // the folder is briefly unreadable: keep the last snapshot
    }
    const changes = diffSnapshots(this.#snapshot, next);
    this.#snapshot = next;
    if (!isEmpty(changes)) this.opts.onChange(changes, next);
  }

  /** Stops watching. */
  stop(): void {
    this.#watcher?.close();
    clearInterval(this.#rescan);
    clearTimeout(this.#pending);
  }

  #schedule(): void {
    if (this.#pending) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.scan();
    }, this.opts.debounceMs ?? 15);
  }
}
