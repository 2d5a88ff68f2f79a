/**
 * The emperor's watchdog: a tiny `awk` process that holds a pipe from the emperor and,
 * when the pipe closes (the emperor exited or was killed with SIGKILL), kills everything
 * the vassals left: the emperor's whole cgroup subtree by `cgroup.kill`, and, for systems
 * without cgroups, the process group and session of every vassal the emperor told it of.
 * So nothing a vassal started outlives a killed emperor, without waiting for the next one.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { getLogger } from "../log/mod.ts";

const log = getLogger("emperor", "watchdog");

/**
 * Reads `+PID` (a vassal started: its group and session) and `-PID` (it was reaped) lines;
 * at end of input kills the cgroup subtree `cg` (when set) and every group and session
 * still listed, then removes the emptied subtree.
 */
export const WATCHDOG_AWK = `
/^[+][0-9]+$/ { s[substr($0, 2)] = 1; next }
/^-[0-9]+$/ { delete s[substr($0, 2)]; next }
END {
  if (cg != "") system("echo 1 > '" cg "/cgroup.kill' 2>/dev/null")
  for (p in s) system("kill -9 -- -" p " 2>/dev/null; pkill -9 -s " p " 2>/dev/null")
  if (cg != "") system("for i in 1 2 3 4 5 6 7 8 9 10; do rmdir '" cg "'/*/ '" cg "' 2>/dev/null; [ -d '" cg "' ] || break; sleep 0.2; done")
}`;

/**
 * A running watchdog.
 *
 * @example
 * ```ts
 * const dog = Watchdog.start("/sys/fs/cgroup/emperor-0123456789abcdef");
 * dog?.started(4242);
 * dog?.reaped(4242);
 * dog?.stop(); // kills what is left in the subtree, then exits
 * ```
 */
export class Watchdog {
  private constructor(private readonly child: ChildProcess) {}

  /** Starts one, guarding the cgroup subtree at `cgroupPath` (if any); undefined when awk cannot run. */
  static start(cgroupPath: string | undefined): Watchdog | undefined {
    if (cgroupPath?.includes("'")) return undefined;
    try {
      // Its own process group, so a signal to the emperor's group does not reach it first.
      const child = spawn("awk", ["-v", `cg=${cgroupPath ?? ""}`, WATCHDOG_AWK], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
      child.on("error", (e) => log.warn("the watchdog cannot run: {error}", { error: e.message }));
      // The watchdog gone shows on its child "error" above; a write to its dead pipe adds nothing.
      child.stdin?.on("error", () => {});
      child.unref();
      (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      return new Watchdog(child);
    } catch (e) {
      log.warn("the watchdog cannot run: {error}", { error: (e as Error).message });
      return undefined;
    }
  }

  /** The watchdog's pid (for tests and logs). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Vassal process `pid` (a session and group leader) started. */
  started(pid: number): void {
    if (pid > 1) this.#write(`+${pid}\n`);
  }

  /** Vassal process `pid` was reaped: its pid may be reused, so it is forgotten. */
  reaped(pid: number): void {
    if (pid > 1) this.#write(`-${pid}\n`);
  }

  /** Closes the pipe: the watchdog kills what is left and exits. */
  stop(): void {
    this.child.stdin?.end();
  }

  #write(line: string): void {
    const stdin = this.child.stdin;
    if (stdin && !stdin.destroyed) stdin.write(line);
  }
}
