/**
 * `zog --check`: whether a node's log and state folders can be written (or made), as start
 * would need them.
 *
 * @module
 */
import { lineOf, type NodeFiles } from "../config/mod.ts";
import { folderProblem } from "../fs/mod.ts";

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
