/**
 * A node's appended files: the journal in its state folder, access.log and error.log in its
 * log folder. Appends are
 * whole batches (one write for many records); fsync is separate so the caller can
 * group-commit.
 *
 * @module
 */
import {
  closeSync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { errCode } from "../errors.ts";
import type { SyncSet } from "./listen/segment_log.ts";

/**
 * An append-only file whose records are written whole or not at all: a write that fails
 * half-way (ENOSPC) is cut back to where it started, so the file never holds a partial
 * record, and the caller may write the same records again later without doubling any.
 *
 * Invariant relied on: this process is the file's only writer and the descriptor is
 * O_APPEND, so the bytes a failed write did put down are the last `written` bytes of the
 * file (whatever logrotate's copytruncate did to the file before).
 */
class AppendFile {
  fd: number;
  /** A failed write could not be cut back: the next record starts on a fresh line. */
  #torn = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, "a", 0o644);
  }

  /**
   * Writes all of `text`, or throws (ENOSPC, EIO...) having left the file as it was.
   */
  append(text: string): void {
    if (text === "") return;
    const bytes = Buffer.from(this.#torn ? `\n${text}` : text);
    let written = 0;
    try {
      while (written < bytes.byteLength) written += writeSync(this.fd, bytes, written);
      this.#torn = false;
    } catch (e) {
      this.#cutBack(written);
      throw e;
    }
  }

  /** Removes the `written` bytes a failed write left at the end of the file. */
  #cutBack(written: number): void {
    if (written === 0) return;
    try {
      ftruncateSync(this.fd, fstatSync(this.fd).size - written);
    } catch {
      // Cannot even truncate (EIO): keep the torn record one unreadable line of its own.
      this.#torn = true;
    }
  }

  /**
   * Opens the path again (after logrotate or compaction moved the file). The old file is
   * fsynced, and its descriptor stays open a few seconds so an fsync already running on it
   * completes.
   */
  reopen(): void {
    const old = this.fd;
    this.fd = openSync(this.path, "a", 0o644);
    // What was written to the old file is acknowledged by fsyncs that now go to the new one.
    try {
      fsyncSync(old);
    } catch {
      // Not a file that syncs (a device), or already failing: the writes were reported then.
    }
    setTimeout(() => {
      try {
        closeSync(old);
      } catch {
        // Already closed: nothing to release.
      }
    }, 5000).unref();
  }

  close(): void {
    closeSync(this.fd);
  }
}

function fsyncAsync(fd: number): Promise<void> {
  return new Promise<void>((res, rej) => fsync(fd, (e) => (e ? rej(e) : res())));
}

/** The journal's name in the state folder (it is not a log: no log tool may move it). */
export const JOURNAL_FILE = "journal";

/**
 * The three files of a node.
 *
 * @example
 * ```ts
 * const files = new LogFiles("/var/log/zog/MV", "/var/lib/zog/MV"); files.access.append("20261122T030442Z hello\n");
 * ```
 */
export class LogFiles {
  readonly journal: AppendFile;
  readonly access: AppendFile;
  readonly error: AppendFile;

  /**
   * Creates the folders if needed and opens the files for appending.
   *
   * @param dir the log folder (access.log, error.log)
   * @param stateDir the state folder (the journal)
   * @throws {Error} "log folder DIR is not writable: EACCES", "state folder DIR ..." and the like
   */
  constructor(
    readonly dir: string,
    readonly stateDir: string = dir,
  ) {
    try {
      mkdirSync(dir, { recursive: true });
      this.access = new AppendFile(join(dir, "access.log"));
      this.error = new AppendFile(join(dir, "error.log"));
    } catch (e) {
      throw new Error(`log folder ${dir} is not writable: ${errCode(e)}`, { cause: e });
    }
    try {
      mkdirSync(stateDir, { recursive: true });
      this.journal = new AppendFile(join(stateDir, JOURNAL_FILE));
    } catch (e) {
      throw new Error(`state folder ${stateDir} is not writable: ${errCode(e)}`, { cause: e });
    }
  }

  /** access.log's size now: where the next line will start. */
  accessSize(): number {
    return fstatSync(this.access.fd).size;
  }

  /** The journal's text (for replay at start). */
  readJournal(): string {
    return readFileSync(this.journal.path, "utf8");
  }

  /** The last `bytes` of access.log, split in lines (the first may be partial). */
  accessTail(bytes = 65536): string[] {
    const size = statSync(this.access.path).size;
    const buf = Buffer.alloc(Math.min(size, bytes));
    const fd = openSync(this.access.path, "r");
    try {
      readSync(fd, buf, 0, buf.byteLength, size - buf.byteLength);
    } finally {
      closeSync(fd);
    }
    return buf
      .toString("utf8")
      .split("\n")
      .filter((l) => l !== "");
  }

  /**
   * More files synced with access.log: each gives what to sync at sync time, or nothing (the
   * store's files); `everything` for a blocking sync, after which the L mark moves at once.
   */
  readonly alsoSync: ((everything: boolean) => SyncSet | undefined)[] = [];

  #takeAlso(everything: boolean): SyncSet[] {
    const sets: SyncSet[] = [];
    for (const take of this.alsoSync) {
      const set = take(everything);
      if (set) sets.push(set);
    }
    return sets;
  }

  /** Flushes every file (journal, access.log, {@link alsoSync}) to disk, blocking. */
  syncNow(): void {
    fsyncSync(this.journal.fd);
    fsyncSync(this.access.fd);
    const sets = this.#takeAlso(true);
    try {
      for (const set of sets) for (const fd of set.fds) fsyncSync(fd);
    } catch (e) {
      for (const set of sets) set.synced(false);
      throw e;
    }
    for (const set of sets) set.synced(true);
  }

  /** Flushes the journal to disk, blocking (fsync "always"). */
  syncJournalNow(): void {
    fsyncSync(this.journal.fd);
  }

  /** Flushes the journal to disk on the thread pool (the group commit: OK waits for it). */
  sync(): Promise<void> {
    return fsyncAsync(this.journal.fd);
  }

  /** Flushes access.log and {@link alsoSync} on the thread pool (before the journal's L mark moves). */
  syncLogged(): Promise<void> {
    const sets = this.#takeAlso(false);
    // Every fsync ends before a set closes its descriptors.
    return Promise.allSettled([fsyncAsync(this.access.fd), ...sets.flatMap((s) => s.fds.map(fsyncAsync))]).then((results) => {
      const failed = results.find((r) => r.status === "rejected");
      for (const s of sets) s.synced(failed === undefined);
      if (failed) throw failed.reason;
    });
  }

  /** Reopens access.log and error.log (after logrotate moved them). */
  reopen(): void {
    this.access.reopen();
    this.error.reopen();
  }

  close(): void {
    for (const f of [this.journal, this.access, this.error]) f.close();
  }
}
