/**
 * Processes on this machine: the argv that starts a vassal (cgroup, setpriv, parent guard),
 * `/proc/PID/stat`, user and group ids, dropping the executable's start-up pages, and
 * restarting a daemon without the FTL JIT.
 *
 * @example
 * ```ts
 * import { sessionMembers } from "./mod.ts";
 * console.log(sessionMembers(4242).map((p) => p.pid));
 * ```
 *
 * @module
 */
export { inCgroup, plainArgv, SETPRIV } from "./launch_argv.ts";
export { FTL_VARIABLE, ftlOffReexec, type Reexec, runWithoutFtl } from "./jit_tier.ts";
export { parseProcStat, type ProcStat, readProcStat, sessionMembers } from "./proc_stat.ts";
export {
  BUSY_CHECK_MS,
  cleanRanges,
  dropStartupPages,
  dropStartupPagesSoon,
  DEEP_TRIM_CHECKS,
  type DropAgain,
  dropPagesAgain,
  fileResidentKiB,
  IDLE_CHECK_MS,
  type PageRange,
  REGROWN_KIB,
  regrown,
  SETTLE_MS,
  type TrimOptions,
  trimWhenIdle,
} from "./startup_pages.ts";
export {
  PageSettler,
  SETTLE_AFTER_MS,
  SETTLE_AGAIN_MS,
  SETTLE_GAP_MS,
  type SettleOptions,
  settleDue,
  type SettleState,
} from "./settle_pages.ts";
export { resolveRunAs, type RunAs } from "./user_ids.ts";
