/**
 * Files written so that a crash leaves the old one or the new one, whole; and whether a
 * folder can be written (or made), for `--check`.
 *
 * @example
 * ```ts
 * import { folderProblem, writeFileAtomic } from "./mod.ts";
 * await writeFileAtomic("/var/lib/zeus/state.json", "{}");
 * folderProblem("/var/lib/zeus"); // undefined when it can be written
 * ```
 *
 * @module
 */
export { type AtomicWriteOptions, writeFileAtomic, writeFileAtomicAsync } from "./atomic_write.ts";
export { folderProblem } from "./folder_check.ts";
