/**
 * A vassal's log file, STATE_DIR/logs/NAME.log, written by the emperor from the vassal's
 * stdout and stderr pipes, so that it can be reopened (SIGHUP, after logrotate moved it)
 * and rotated by size (`log_max_size`, `log_keep`: NAME.log.1 is the newest rotated file).
 * One writer per path, shared by every run of the vassal while its pipes are open.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import type { LogRotation } from "../vassal/mod.ts";
import { errCode } from "../errors.ts";
import { getLogger } from "../log/mod.ts";

const logger = getLogger("emperor", "vassal-log");
/** Failures to open a file that pass once descriptors are given back. */
const OUT_OF_DESCRIPTORS = new Set(["EMFILE", "ENFILE"]);
let lostTotal = 0;

/**
 * Bytes of vassal output lost since the emperor started because a log could not be written
 * (a full disk, a failed rotation): the `emperor_vassal_log_lost_bytes_total` counter.
 *
 * @example
 * ```ts
 * if (vassalLogLostBytes() > 0) console.warn("some vassal output was lost");
 * ```
 */
export function vassalLogLostBytes(): number {
  return lostTotal;
}

/**
 * The renames that rotate `path` keeping `keep` old files, oldest first, and the file that
 * falls off the end. Pure.
 *
 * @example
 * ```ts
 * rotationPlan("/s/logs/a.log", 2);
 * // { drop: "/s/logs/a.log.2", renames: [["/s/logs/a.log.1", "/s/logs/a.log.2"], ["/s/logs/a.log", "/s/logs/a.log.1"]] }
 * ```
 */
export function rotationPlan(path: string, keep: number): { drop: string; renames: [string, string][] } {
  const renames: [string, string][] = [];
  for (let i = keep - 1; i >= 1; i--) renames.push([`${path}.${i}`, `${path}.${i + 1}`]);
  renames.push([path, `${path}.1`]);
  return { drop: `${path}.${keep}`, renames };
}

/** An open vassal log. */
export class VassalLog {
  #fd: number;
  #size: number;
  /** Runs of the vassal whose pipes still write here. */
  users = 0;
  /** Bytes that could not be written since the last write that could (0 when none). */
  #losing = 0;
  /** Rotated, but the new file not opened yet: writes go on to the moved one until it is. */
  #moved = false;
  /** Said once per rotation that the output goes on to the moved file. */
  #keptOn = false;

  /**
   * @param rotation rotate past this size (none: the file grows; logrotate may move it)
   * @throws {Error} when the file cannot be opened
   */
  constructor(
    readonly path: string,
    public rotation: LogRotation | undefined,
  ) {
    this.#fd = openSync(path, "a");
    this.#size = fstatSync(this.#fd).size;
  }

  /**
   * Appends `chunk`, rotating first when it would pass the maximum size.
   *
   * @throws {Error} when the file cannot be written or rotated (a full disk)
   */
  write(chunk: Uint8Array): void {
    if (this.#moved || (this.rotation && this.#size > 0 && this.#size + chunk.length > this.rotation.maxSize)) this.rotate();
    let off = 0;
    try {
      while (off < chunk.length) off += writeSync(this.#fd, chunk, off);
    } finally {
      this.#size += off;
    }
  }

  /**
   * Appends `chunk` like {@link write}, but a failure loses the output, never the vassal:
   * the bytes are counted ({@link vassalLogLostBytes}), the first failure of a run of them
   * is logged, and so is the first write that works again, with how much was lost.
   */
  append(chunk: Uint8Array): void {
    try {
      this.write(chunk);
    } catch (e) {
      lostTotal += chunk.length;
      if (this.#losing === 0)
        logger.error("cannot write vassal log {path}: {error}; its output is lost until it can", { path: this.path, error: errCode(e) });
      this.#losing += chunk.length;
      return;
    }
    if (this.#losing === 0) return;
    logger.warn("vassal log {path} written again; {bytes} bytes of output were lost", { path: this.path, bytes: this.#losing });
    this.#losing = 0;
  }

  /**
   * Moves NAME.log to NAME.log.1 (and the older ones up), dropping the oldest, and starts a
   * new file. When the new file cannot be opened (every descriptor taken), the output goes on
   * into the moved one, and the next write opens it: the files are moved once, not at every
   * write (which dropped one old file per write while the descriptors were out).
   */
  rotate(): void {
    if (!this.#moved) {
      const { drop, renames } = rotationPlan(this.path, this.rotation?.keep ?? 1);
      rmSync(drop, { force: true });
      for (const [from, to] of renames) {
        try {
          renameSync(from, to);
        } catch (e) {
          if (errCode(e) !== "ENOENT") throw e;
        }
      }
      this.#moved = true;
    }
    try {
      this.reopen();
    } catch (e) {
      if (!OUT_OF_DESCRIPTORS.has(errCode(e))) throw e;
      if (!this.#keptOn)
        logger.warn("cannot open a new vassal log {path}: {error}; writing on to {path}.1 until it can", {
          path: this.path,
          error: errCode(e),
        });
      this.#keptOn = true;
      return;
    }
    this.#moved = this.#keptOn = false;
  }

  /** Closes and opens the path again (a new file if it was moved away). */
  reopen(): void {
    const fd = openSync(this.path, "a");
    closeSync(this.#fd);
    this.#fd = fd;
    this.#size = fstatSync(fd).size;
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.#fd);
  }
}

const open = new Map<string, VassalLog>();

/**
 * The log at `path` for one more run of a vassal (opened if none is), with `rotation`;
 * give it back with {@link releaseVassalLog} when that run's pipes have closed.
 *
 * @throws {Error} when the file cannot be opened
 */
export function acquireVassalLog(path: string, rotation: LogRotation | undefined): VassalLog {
  const log = open.get(path) ?? new VassalLog(path, rotation);
  log.rotation = rotation;
  log.users += 1;
  open.set(path, log);
  return log;
}

/** One run of a vassal is done writing to `log`; the last one closes it. */
export function releaseVassalLog(log: VassalLog): void {
  log.users -= 1;
  if (log.users > 0) return;
  open.delete(log.path);
  log.close();
}

/**
 * Reopens every open vassal log (SIGHUP, after logrotate moved them); returns how many.
 * A log that cannot be reopened keeps its old file and is named in the returned errors.
 */
export function reopenVassalLogs(): { reopened: number; errors: string[] } {
  const errors: string[] = [];
  let reopened = 0;
  for (const log of open.values()) {
    try {
      log.reopen();
      reopened += 1;
    } catch (e) {
      errors.push(`${log.path}: ${errCode(e)}`);
    }
  }
  return { reopened, errors };
}
