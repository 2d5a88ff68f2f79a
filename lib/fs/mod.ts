/**
 * Files written so that a crash leaves the old one or the new one, whole.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./mod.ts";
 * await writeFileAtomic("/var/lib/zeus/state.json", "{}");
 * ```
 *
 * @module
 */
export { type AtomicWriteOptions, writeFileAtomic } from "./atomic_write.ts";
