/**
 * The argv that starts a vassal's process (or a command run inside a vassal): moved into
 * the vassal's cgroup first, under a parent-death signal, as another user. Pure but for
 * where `setpriv` is.
 *
 * @module
 */
import { existsSync } from "node:fs";
import type { RunAs } from "./user_ids.ts";

/**
 * Execs "$@", or first says in one line why its program cannot run, with the shell's exit
 * codes (127 not found, 126 not executable): sh's own message would name $0, which here is
 * a pid or a cgroup file ("26578: 1: exec: /x: not found"), not the program.
 */
const EXEC =
  'cannot_run() { printf \'cannot run "%s": %s\\n\' "$1" "$2" >&2; exit "$3"; }; ' +
  'case $1 in */*) [ -e "$1" ] || cannot_run "$1" "not found" 127; [ -x "$1" ] && [ ! -d "$1" ] || cannot_run "$1" "permission denied" 126 ;; ' +
  '*) command -v -- "$1" >/dev/null || cannot_run "$1" "not found in PATH" 127 ;; esac; exec "$@"';

/** Moves the shell into the cgroup whose procs file is $0, then runs the rest (as root, before setpriv). */
const CGROUP_ENTER = `echo $$ > "$0" || exit 125; ${EXEC}`;

/**
 * `argv` started inside the cgroup of `procs` (unchanged without one): the process moves
 * itself before it execs, so nothing it forks can start outside.
 *
 * @example
 * ```ts
 * inCgroup(["sleep", "9"], "/sys/fs/cgroup/emperor-ab/web.toml/cgroup.procs");
 * // ["/bin/sh", "-c", CGROUP_ENTER, ".../cgroup.procs", "sleep", "9"]
 * ```
 */
export function inCgroup(argv: string[], procs: string | undefined): string[] {
  return procs ? ["/bin/sh", "-c", CGROUP_ENTER, procs, ...argv] : argv;
}

/** `setpriv` when this system has it (util-linux, Linux only). */
export const SETPRIV = process.platform === "linux" ? ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p)) : undefined;

/**
 * Runs between setpriv and the command: the parent-death signal only fires for a parent
 * that dies after setpriv armed it, so if the emperor died in between, the vassal's parent
 * is no longer the emperor and it gives up instead of running orphaned.
 */
const PARENT_GUARD = `[ "$PPID" = "$0" ] || exit 125; ${EXEC}`;

/**
 * The argv of a plain vassal: under `setpriv --pdeathsig KILL` when available (with
 * `--reuid/--regid` to run as another user), then a guard that exits unless its parent is
 * still `parentPid` (the emperor), else the command itself.
 *
 * @example
 * ```ts
 * plainArgv({ command: "sleep", args: ["9"] }, { initGroups: false }, "/usr/bin/setpriv", 4242);
 * // ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "/bin/sh", "-c", PARENT_GUARD, "4242", "sleep", "9"]
 * ```
 */
export function plainArgv(
  config: { command: string; args: string[] },
  runAs: RunAs,
  setpriv: string | undefined,
  parentPid = process.pid,
): string[] {
  if (!setpriv) return [config.command, ...config.args];
  const ids: string[] = [];
  if (runAs.gid !== undefined) ids.push("--regid", String(runAs.gid));
  if (runAs.uid !== undefined) ids.push("--reuid", String(runAs.uid));
  if (runAs.gid !== undefined || runAs.uid !== undefined) ids.push(runAs.initGroups ? "--init-groups" : "--clear-groups");
  return [setpriv, "--pdeathsig", "KILL", ...ids, "--", "/bin/sh", "-c", PARENT_GUARD, String(parentPid), config.command, ...config.args];
}
