/**
 * Watches a folder through file-system events (changes seen within milliseconds), with a
 * periodic rescan as a safety net for events the OS drops. An event naming a file reads
 * that file alone: rescanning the whole folder for each burst of events made 100 000
 * files cost seconds of stat and read per burst. The safety-net rescan is spaced out as the
 * folder grows (at least 50 times its own duration apart). Both look at `sliceFiles` files per
 * turn of the event loop: a burst of 100 000 new files, or a rescan of them, blocked zeus's
 * loop (and its reading of heartbeats) for whole seconds at once.
 *
 * @module
 */
import { type FSWatcher, readdirSync, readFileSync, statSync, watch } from "node:fs";
import { errCode } from "../errors.ts";
import type { Logger } from "@logtape/logtape";
import { getLogger, leftOut, LogLimiter } from "../log/mod.ts";
import { join } from "node:path";
import { type DirChanges, diffSnapshots, type FileState, isEmpty, type Snapshot } from "./snapshot.ts";
import { nextTurn } from "../clock.ts";

/** Options for {@link DirWatcher}. */
export interface DirWatcherOptions {
  /** Which file names count (e.g. `*.ini` and `*.toml`). */
  match: (name: string) => boolean;
  /** Called with each non-empty difference, and the snapshot it leads to (the watcher's own: read it, do not keep it). */
  onChange: (changes: DirChanges, snapshot: Snapshot) => void;
  /** Safety-net rescan period; default 2000 ms (longer for a folder whose scan takes over rescanMs/50). */
  rescanMs?: number;
  /** Events within this window are folded into one scan; default 15 ms. */
  debounceMs?: number;
  /** Files looked at per turn of the event loop by event bursts and the safety net; default 1000. */
  sliceFiles?: number;
  /** Where an onChange that threw from the watcher's timers is said (the program's logger); default category "watch". */
  log?: Logger;
}

/** Yields to the event loop: sockets and timers run before the next slice. */

/**
 * Reads the folder's matching files. A file that vanishes or cannot be read between the
 * listing and the read is left out (it shows up at the next scan if it comes back).
 */
export function scanDir(dir: string, match: (name: string) => boolean, prev: Snapshot = new Map()): Snapshot {
  const snap: Snapshot = new Map();
  for (const name of keptNames(listDir(dir, match), prev)) {
    const state = fileState(dir, name, prev.get(name));
    if (state) snap.set(name, state);
  }
  return snap;
}

/** The names of the matching files of `dir` (symlinks count when they point at a file: vassal files are often linked in). */
function listDir(dir: string, match: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && match(e.name))
    .map((e) => e.name);
}

/**
 * `names` (a listing), those already in `prev` as `prev`'s own strings, first: each listing
 * makes a new string a name, and a snapshot keyed by them kept a second string of every file
 * besides the one its users (zeus's records) hold, 100 000 at 100 000 files.
 *
 * @example
 * ```ts
 * keptNames(["a.toml", "b.toml"], new Map([["b.toml", { mtimeMs: 1, size: 1, hash: 7 }]])); // ["b.toml", "a.toml"]
 * ```
 */
export function keptNames(names: readonly string[], prev: Snapshot): string[] {
  if (prev.size === 0) return [...names];
  const listed = new Set(names);
  const out: string[] = [];
  for (const name of prev.keys()) if (listed.delete(name)) out.push(name);
  for (const name of listed) out.push(name);
  return out;
}

/**
 * One file's state, its content hashed again only when its mtime or size moved since `old`;
 * undefined when it is not there, not a file, or unreadable right now.
 *
 * @example
 * ```ts
 * fileState("/etc/vassals", "web.toml", undefined)?.hash; // 2406853436279023
 * ```
 */
export function fileState(dir: string, name: string, old: FileState | undefined): FileState | undefined {
  try {
    const st = statSync(join(dir, name));
    if (!st.isFile()) return undefined;
    // Unchanged: the same record, not a copy. Each rescan of 100 000 files made 100 000 new
    // records that outlive the garbage around them, and a heap that does not move objects
    // keeps every block any of them landed in.
    if (old && old.mtimeMs === st.mtimeMs && old.size === st.size) return old;
    return { mtimeMs: st.mtimeMs, size: st.size, hash: contentHash(readFileSync(join(dir, name))) };
  } catch (e) {
    // Gone: no state. Out of descriptors (EMFILE, a flood of clients) or any other failure to
    // read it now: the last state stays, or a changed file would be reported removed (and its
    // vassal stopped); the next scan sees the change once it can read the file.
    if (GONE.has(errCode(e))) return undefined;
    return old;
  }
}

const defaultLog = getLogger("watch");

/** Codes saying the file is not there (any other failure keeps the file's last state). */
const GONE = new Set(["ENOENT", "ENOTDIR"]);

/** The low 52 bits of the content's wyhash: exact as a number. */
const contentHash = (bytes: Uint8Array): number => Number(BigInt.asUintN(52, BigInt(Bun.hash(bytes))));

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
  /** Reasons files could not be read, said once a minute each. */
  readonly #unreadable = new LogLimiter();
  #snapshot: Snapshot = new Map();
  #watcher: FSWatcher | undefined;
  #rescan: ReturnType<typeof setTimeout> | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;
  /** Files named by the events since the last look; `#full` when an event named none. */
  #named = new Set<string>();
  #full = false;
  #stopped = false;
  /** While a sliced rescan runs: the files looked at meanwhile by events (their state is newer than its). */
  #fresh: Set<string> | undefined;
  /** Counts rescans: a sliced one that sees the count move was overtaken by a whole one and drops its result. */
  #scans = 0;

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
    this.#watcher = watch(this.dir, (_event, name) => this.#schedule(typeof name === "string" ? name : undefined));
    this.#watcher.on("error", () => this.#schedule(undefined));
    this.#safetyNet(0);
  }

  /** Rescans now, at once, and reports any difference. */
  scan(): void {
    this.#scans++;
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

  /** Looks at the named files only and reports any difference. */
  scanNames(names: Iterable<string>): void {
    const before: Snapshot = new Map();
    const after: Snapshot = new Map();
    for (const name of names) {
      if (!this.opts.match(name)) continue;
      this.#fresh?.add(name);
      const old = this.#snapshot.get(name);
      const state = fileState(this.dir, name, old);
      if (old) before.set(name, old);
      if (state) after.set(name, state);
    }
    const changes = diffSnapshots(before, after);
    if (isEmpty(changes)) return;
    // Updated in place: copying 100 000 entries per burst of events would cost what the scan did.
    for (const name of before.keys()) if (!after.has(name)) this.#snapshot.delete(name);
    for (const [name, state] of after) this.#snapshot.set(name, state);
    this.opts.onChange(changes, this.#snapshot);
  }

  /**
   * The change to `name` just reported could not be acted on (its file could not be read,
   * e.g. with every descriptor taken): the next scan reports it changed again.
   *
   * @example
   * ```ts
   * declare const w: DirWatcher;
   * w.again("web.toml");
   * ```
   */
  again(name: string): void {
    const old = this.#snapshot.get(name);
    if (old) this.#snapshot.set(name, { ...old, mtimeMs: Number.NaN, hash: Number.NaN });
  }

  /**
   * The bytes of `name`, a file just reported added or changed; undefined when it cannot be
   * read now. Gone again: the next scan reports it removed. Unreadable (every descriptor
   * taken): the next scan reports it changed again ({@link again}), and that is said on one
   * line, once a minute per reason, in the watcher's logger.
   *
   * @example
   * ```ts
   * declare const w: DirWatcher;
   * const body = w.read("web.toml");
   * ```
   */
  read(name: string): Buffer | undefined {
    try {
      return readFileSync(join(this.dir, name));
    } catch (e) {
      if (GONE.has(errCode(e))) return undefined;
      this.again(name);
      const more = this.#unreadable.take(errCode(e));
      if (more !== undefined)
        (this.opts.log ?? defaultLog).error("cannot read {file}: {error}; trying again at the next scan{more}", {
          file: join(this.dir, name),
          error: (e as Error).message,
          more: leftOut(more),
        });
      return undefined;
    }
  }

  /** Stops watching. */
  stop(): void {
    this.#stopped = true;
    this.#watcher?.close();
    clearTimeout(this.#rescan);
    clearTimeout(this.#pending);
  }

  /**
   * Rescans `sliceFiles` files per turn of the event loop and reports any difference, unless
   * a whole {@link scan} ran meanwhile; files an event named meanwhile keep their newer state.
   */
  async scanSliced(): Promise<void> {
    const id = ++this.#scans;
    const slice = this.opts.sliceFiles ?? 1000;
    let names: string[];
    try {
      names = keptNames(listDir(this.dir, this.opts.match), this.#snapshot);
    } catch {
      return; // the folder is briefly unreadable: keep the last snapshot
    }
    const fresh = (this.#fresh = new Set());
    const next: Snapshot = new Map();
    for (let i = 0; i < names.length; i++) {
      if (i > 0 && i % slice === 0) await nextTurn();
      if (this.#stopped || this.#scans !== id) return;
      const state = fileState(this.dir, names[i]!, this.#snapshot.get(names[i]!));
      if (state) next.set(names[i]!, state);
    }
    this.#fresh = undefined;
    for (const name of fresh) {
      const now = this.#snapshot.get(name);
      if (now) next.set(name, now);
      else next.delete(name);
    }
    const changes = diffSnapshots(this.#snapshot, next);
    this.#snapshot = next;
    if (!isEmpty(changes)) this.opts.onChange(changes, next);
  }

  /** The next safety-net rescan: `rescanMs` after the last, or 50 times its duration when longer. */
  #safetyNet(tookMs: number): void {
    if (this.#stopped) return;
    this.#rescan = setTimeout(
      () => {
        const t0 = performance.now();
        // A rescan that failed (its onChange threw) is said, and the next one still comes.
        void this.scanSliced()
          .catch((e: unknown) => this.#failed(e))
          .then(() => this.#safetyNet(performance.now() - t0));
      },
      Math.max(this.opts.rescanMs ?? 2000, tookMs * 50),
    );
  }

  #schedule(name: string | undefined): void {
    if (name === undefined) this.#full = true;
    else this.#named.add(name);
    if (this.#pending) return;
    this.#pending = setTimeout(() => this.#look(), this.opts.debounceMs ?? 15);
  }

  /** A look or rescan whose onChange threw, from a timer: said on one line, the watch goes on. */
  #failed(e: unknown): void {
    (this.opts.log ?? defaultLog).error("cannot apply the changes seen in {dir}: {error}", { dir: this.dir, error: errCode(e) });
  }

  /** Looks at what the events named: a slice of the files now, the rest at the next turn; or rescans. */
  #look(): void {
    try {
      this.#lookNow();
    } catch (e) {
      this.#failed(e);
    }
    if (this.#named.size > 0 && !this.#pending && !this.#stopped) this.#pending = setTimeout(() => this.#look(), 0);
  }

  #lookNow(): void {
    this.#pending = undefined;
    if (this.#full) {
      this.#full = false;
      this.#named.clear();
      return void this.scanSliced().catch((e: unknown) => this.#failed(e));
    }
    const batch: string[] = [];
    for (const name of this.#named) {
      if (batch.length >= (this.opts.sliceFiles ?? 1000)) break;
      batch.push(name);
      this.#named.delete(name);
    }
    this.scanNames(batch);
  }
}
