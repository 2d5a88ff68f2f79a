/**
 * Pid records in `STATE_DIR/pids/NAME.json`: written when a vassal starts, removed when it
 * is reaped, so the next emperor on the same state dir can kill whatever an earlier one
 * left behind (after `kill -9`, if the parent-death signal did not fire).
 *
 * @module
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readProcStat, sessionMembers } from "../proc/mod.ts";
import { writeFileAtomic } from "../fs/mod.ts";

/** One running vassal process as recorded. */
export interface PidRecord {
  name: string;
  pid: number;
  /** `/proc/PID/stat` start time; empty when unknown. */
  startTime: string;
}

/** The records folder of a state dir. */
export function pidsDir(stateDir: string): string {
  return join(stateDir, "pids");
}

/** Records `rec` (atomically: temp file then rename). `rec.name` must be a valid vassal name. */
export function writePidRecord(stateDir: string, rec: PidRecord): void {
  const file = join(pidsDir(stateDir), `${rec.name}.json`);
  writeFileAtomic(file, JSON.stringify(rec));
}

/** Removes the record of vassal `name`. */
export function removePidRecord(stateDir: string, name: string): void {
  rmSync(join(pidsDir(stateDir), `${name}.json`), { force: true });
}

/**
 * Kills (SIGKILL) the process group of every recorded vassal still alive, then removes the
 * records. A pid whose start time differs was reused by another process and is left alone;
 * when the leader is gone, members of its session (each vassal is a session leader) that
 * started after it are killed one by one.
 *
 * @returns the records whose processes were killed
 * @example
 * ```ts
 * reapLeftovers("/var/lib/emperor"); // [{ name: "web.toml", pid: 4242, startTime: "1234" }]
 * ```
 */
export function reapLeftovers(stateDir: string): PidRecord[] {
  const dir = pidsDir(stateDir);
  mkdirSync(dir, { recursive: true });
  const reaped: PidRecord[] = [];
  for (const file of readdirSync(dir)) {
    const path = join(dir, file);
    let rec: PidRecord | undefined;
    try {
      rec = JSON.parse(readFileSync(path, "utf8")) as PidRecord;
    } catch {
      // half-written or foreign: nothing to trust in it
    }
    if (rec && Number.isInteger(rec.pid) && rec.pid > 1 && killLeftover(rec)) reaped.push(rec);
    rmSync(path, { force: true });
  }
  return reaped;
}

function killLeftover(rec: PidRecord): boolean {
  const leader = readProcStat(rec.pid);
  if (leader && leader.startTime === rec.startTime) {
    return kill(leader.pgrp === rec.pid ? -rec.pid : rec.pid);
  }
  let any = false;
  for (const m of sessionMembers(rec.pid)) {
    if (BigInt(m.startTime) >= BigInt(rec.startTime || "0")) any = kill(m.pid) || any;
  }
  return any;
}

function kill(pid: number): boolean {
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    // Gone already (ESRCH), or not ours to kill (EPERM: the pid was reused): nothing killed.
    return false;
  }
}
