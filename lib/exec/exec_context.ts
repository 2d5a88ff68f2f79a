/**
 * What the runner needs to know of a vassal to run a command inside it.
 *
 * @module
 */
import type { RunAs } from "../proc/mod.ts";

/** Where and as whom a command runs inside a vassal (see Supervisor.execContext). */
export interface ExecContext {
  name: string;
  cwd: string;
  /** Added to the emperor's environment. */
  env: Record<string, string>;
  runAs: RunAs;
  /** STATE_DIR/logs/NAME.log. */
  logFile: string;
  /** The vassal's process, when it has one now. */
  pid?: number;
  /**
   * The vassal's cgroup.procs file, when it runs in its own cgroup: an exec'd command
   * moves itself there before it starts (lib/exec/runner.ts), so it is limited and
   * stopped with the vassal. Set by the cgroups support; absent without it.
   */
  cgroupProcs?: string;
}
