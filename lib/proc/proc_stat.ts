/**
 * Reading `/proc/PID/stat` (Linux): a process's group, session and start time, so a
 * recorded pid is only killed while it still names the same process.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";

/** What the emperor needs from `/proc/PID/stat`. */
export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie: dead, waiting to be reaped) ... */
  state: string;
  pgrp: number;
  session: number;
  /** Clock ticks since boot when the process started (field 22): with the pid, an identity. */
  startTime: string;
}

/**
 * Parses the text of `/proc/PID/stat`. The command name (field 2) may hold spaces and
 * parentheses, so fields are counted from the last ")".
 *
 * @example
 * ```ts
 * parseProcStat("42 (a b)) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0");
 * // { pid: 42, state: "S", pgrp: 42, session: 42, startTime: "777" }
 * ```
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  // After ")": state(3) ppid(4) pgrp(5) session(6) ... starttime(22).
  const rest = text.slice(close + 2).split(" ");
  const state = rest[0] ?? "";
  const pgrp = Number(rest[2]);
  const session = Number(rest[3]);
  const startTime = rest[19];
  if (!Number.isInteger(pid) || !Number.isInteger(pgrp) || !Number.isInteger(session) || !startTime) return undefined;
  return { pid, state, pgrp, session, startTime };
}

/** The stat of a live process, or undefined when it is gone (or not on Linux). */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    // The process is gone (or this is not Linux): what the doc comment says undefined means.
    return undefined;
  }
}

/** Every live process in session `session` (Linux); zombies are already dead and left out. */
export function sessionMembers(session: number): ProcStat[] {
  const out: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    // No /proc (not Linux): no processes to list.
    return out;
  }
  for (const e of entries) {
    if (!/^[0-9]+$/.test(e)) continue;
    const st = readProcStat(Number(e));
    if (st && st.session === session && st.state !== "Z" && st.state !== "X") out.push(st);
  }
  return out;
}
