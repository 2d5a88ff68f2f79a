/**
 * Signals to what an exec stream started: its process group, the terminal's foreground
 * job, and whatever is left in its session.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { sessionMembers } from "../proc/mod.ts";

/**
 * Sends `sig` to `target` (a pid, or minus a process group); one that is gone already is
 * no error.
 *
 * @example
 * ```ts
 * const child = Bun.spawn(["sleep", "9"], { detached: true });
 * signal(-child.pid, "SIGCONT");
 * ```
 */
export function signal(target: number, sig: NodeJS.Signals | number): void {
  try {
    process.kill(target, sig);
  } catch {
    // Gone already: there is nothing left to signal.
  }
}

/**
 * The terminal's foreground process group of session leader `pid` (field 8 of
 * /proc/PID/stat); `pid` itself when it cannot be read.
 *
 * @example
 * ```ts
 * const child = Bun.spawn(["sleep", "9"], { detached: true });
 * signal(-foregroundGroup(child.pid), "SIGINT"); // as a terminal's ^C does
 * ```
 */
export function foregroundGroup(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const tpgid = Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[5]);
    return tpgid > 0 ? tpgid : pid;
  } catch {
    // The leader is gone: its own group is the best guess left.
    return pid;
  }
}

/**
 * Kills (SIGKILL) the process group of session leader `pid` and every process left in
 * its session.
 *
 * @example
 * ```ts
 * const child = Bun.spawn(["sleep", "9"], { detached: true });
 * killSession(child.pid);
 * ```
 */
export function killSession(pid: number): void {
  signal(-pid, "SIGKILL");
  for (const m of sessionMembers(pid)) signal(m.pid, "SIGKILL");
}
