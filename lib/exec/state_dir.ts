/**
 * Where the emperor keeps its state when `--state-dir` is not given.
 *
 * @module
 */
import { resolve } from "node:path";

/**
 * `/var/lib/emperor` for root, else `./emperor-state` (resolved against the working dir).
 *
 * @example
 * ```ts
 * defaultStateDir(1000, "/home/me"); // "/home/me/emperor-state"
 * ```
 */
export function defaultStateDir(uid = process.getuid?.() ?? -1, cwd = process.cwd()): string {
  return uid === 0 ? "/var/lib/emperor" : resolve(cwd, "emperor-state");
}
