/**
 * `zog --check`: whether a node's log and state folders can be written (or made), as start
 * would need them.
 *
 * @module
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";
import { lineOf, type NodeFiles } from "../config/mod.ts";
import { errCode } from "../errors.ts";

/**
 * Why `dir` cannot be used as a folder this process writes to, or undefined: it must be a
 * writable folder, or be creatable in the nearest folder above it that exists.
 *
 * @example
 * ```ts
 * folderProblem("/proc/x"); // "cannot be made: /proc is not writable (EACCES)"
 * ```
 */
export function folderProblem(dir: string): string | undefined {
  let at = dir;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      if (errCode(e) !== "ENOENT" && errCode(e) !== "ENOTDIR") return `cannot be read: ${errCode(e)}`;
      if (dirname(at) === at) return "cannot be made: no folder above it exists";
      at = dirname(at);
      continue;
    }
    const what = at === dir ? "" : `cannot be made: `;
    if (!isDir) return `${what}${at} is not a folder`;
    try {
      accessSync(at, constants.W_OK | constants.X_OK);
    } catch (e) {
      return `${what}${at} is not writable (${errCode(e)})`;
    }
    return undefined;
  }
}

/**
 * Every problem of a node's folders as `FILE:LINE: reason` (the line of `log_dir` or
 * `state_dir` in ring.toml when it is set there), or `--log-dir DIR reason` for a folder
 * given by its flag.
 *
 * @param text ring.toml's text, to point at lines
 * @param flags which folders came from `--log-dir` and `--state-dir`
 * @example
 * ```ts
 * folderProblems("ring.toml", text, nodeFiles(config, self), {}); // [] when both can be written
 * ```
 */
export function folderProblems(file: string, text: string, paths: NodeFiles, flags: { logDir?: unknown; stateDir?: unknown }): string[] {
  const out: string[] = [];
  for (const [key, flag, dir, given] of [
    ["log_dir", "--log-dir", paths.logDir, flags.logDir !== undefined],
    ["state_dir", "--state-dir", paths.stateDir, flags.stateDir !== undefined],
  ] as const) {
    const problem = folderProblem(dir);
    if (!problem) continue;
    if (given) {
      out.push(`${flag} ${dir} ${problem}`);
      continue;
    }
    const line = lineOf(text, new RegExp(`^\\s*${key}\\s*=`), 0);
    out.push(`${file}${line ? `:${line}` : ""}: ${key} ${dir} ${problem}`);
  }
  return out;
}
