/**
 * `--check` of a folder a program writes to (zog's log and state folders, zeus's state
 * file's folder, the emperor's state dir), as start would need it.
 *
 * @module
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";
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
