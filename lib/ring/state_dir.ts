/**
 * The node's state folder (`state_dir`): the journal and the store live there, access.log
 * and error.log in the log folder. A node of an older layout kept them in its log folder
 * (`journal.log`, `store.db`); they are moved over on its first start.
 *
 * @module
 */
import { copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, renameSync, statSync, unlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { errCode } from "../errors.ts";
import { JOURNAL_FILE } from "./log_files.ts";

/** Old name in the log folder → new name in the state folder. */
const OLD_LAYOUT: readonly [string, string][] = [
  ["journal.log", JOURNAL_FILE],
  ["store.db", "store.db"],
  ["store.db-wal", "store.db-wal"],
  ["store.db-shm", "store.db-shm"],
];

/**
 * Moves the files of the older layout (journal.log, store.db and its WAL in the log folder)
 * to the state folder. Returns one line per file moved, for the log.
 *
 * @throws {Error} when a file exists in both places (which to keep is the operator's call),
 *   or cannot be moved
 * @example
 * ```ts
 * for (const line of moveToStateDir("/var/log/zog/MV", "/var/lib/zog/MV")) log.info(line);
 * ```
 */
export function moveToStateDir(logDir: string, stateDir: string): string[] {
  if (resolve(logDir) === resolve(stateDir)) return [];
  const moves = OLD_LAYOUT.map(([from, to]) => [join(logDir, from), join(stateDir, to)] as const).filter(([from]) => existsSync(from));
  if (moves.length === 0) return [];
  for (const [from, to] of moves) {
    if (existsSync(to))
      throw new Error(
        `${from} (the older layout) and ${to} both exist: move the one not to use aside, then start again (state_dir holds the journal and the store)`,
      );
  }
  mkdirSync(stateDir, { recursive: true });
  const done: string[] = [];
  for (const [from, to] of moves) {
    try {
      moveFile(from, to);
    } catch (e) {
      throw new Error(`cannot move ${from} to ${to}: ${errCode(e)}`, { cause: e });
    }
    done.push(`moved ${from} to ${to} (state_dir now holds the journal and the store)`);
  }
  return done;
}

/** Renames, or copies, syncs and removes across file systems. */
function moveFile(from: string, to: string): void {
  try {
    renameSync(from, to);
    return;
  } catch (e) {
    if (errCode(e) !== "EXDEV") throw e;
  }
  copyFileSync(from, `${to}.moving`);
  const fd = openSync(`${to}.moving`, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${to}.moving`, to);
  unlinkSync(from);
}

/** Bytes of a file, 0 when it does not exist. */
export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    if (errCode(e) === "ENOENT") return 0;
    throw e;
  }
}
