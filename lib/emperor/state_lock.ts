/**
 * One emperor per state dir: `STATE_DIR/emperor.pid` names the emperor using it (pid and
 * start time), so a second one on the same dir refuses to start instead of reaping the
 * first one's vassals.
 *
 * @module
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readProcStat } from "../proc/mod.ts";
import { writeFileAtomic } from "../fs/mod.ts";

/**
 * Takes the state dir for this process.
 *
 * @throws {Error} naming the live emperor that holds it
 * @example
 * ```ts
 * lockStateDir("/var/lib/emperor");
 * ```
 */
export function lockStateDir(stateDir: string): void {
  const file = join(stateDir, "emperor.pid");
  try {
    const held = JSON.parse(readFileSync(file, "utf8")) as { pid: number; startTime: string };
    const live = held.pid !== process.pid ? readProcStat(held.pid) : undefined;
    if (live && live.startTime === held.startTime) {
      throw new Error(`State dir "${stateDir}" is in use by another emperor (pid ${held.pid})`);
    }
  } catch (e) {
    if ((e as Error).message.startsWith("State dir")) throw e;
    // no lock, or an unreadable one: take it
  }
  writeFileAtomic(file, JSON.stringify({ pid: process.pid, startTime: readProcStat(process.pid)?.startTime ?? "" }));
}

/** Releases the state dir. */
export function unlockStateDir(stateDir: string): void {
  rmSync(join(stateDir, "emperor.pid"), { force: true });
}
