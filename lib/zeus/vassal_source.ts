/**
 * Where zeus reads vassal configs (the imperial monitor): a directory (`--vassals DIR`) or
 * an etcd prefix (`--vassals etcd://HOST:PORT/PREFIX/`, see etcd_vassals.ts). Both report
 * changes with the same meaning: added, changed (content), touched (reload), removed.
 *
 * @module
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type DirChanges, DirWatcher } from "../watch/mod.ts";
import { errCode } from "../errors.ts";
import { getLogger } from "../log/mod.ts";

const log = getLogger("zeus", "vassals");

/** Which names are vassals: `*.ini` and `*.toml`. */
export const VASSAL_FILE = /\.(ini|toml)$/;

/** A source of vassal configs. */
export interface VassalSource {
  /** For log lines: the directory or the etcd URL. */
  readonly where: string;
  /** Starts reporting; the first report lists everything there as added. */
  start(onChange: (c: DirChanges) => void): Promise<void>;
  /** Every vassal name seen now. */
  names(): Iterable<string>;
  has(name: string): boolean;
  /** A vassal's config; undefined when it is gone. */
  read(name: string): Uint8Array | undefined;
  /** Looks again now (SIGHUP). */
  rescan(): void;
  /** Writes a vassal's config (`zeus vassal put`). */
  put(name: string, body: Uint8Array): Promise<void>;
  /** Removes a vassal (`zeus vassal rm`); false when there was none. */
  remove(name: string): Promise<boolean>;
  stop(): void;
}

/**
 * The vassals of a directory, seen through file-system events and a periodic rescan.
 *
 * @example
 * ```ts
 * const source = dirSource("/etc/vassals");
 * await source.start((c) => console.log(c.added));
 * ```
 */
export function dirSource(dir: string): VassalSource {
  let watcher: DirWatcher | undefined;
  return {
    where: dir,
    async start(onChange) {
      watcher = new DirWatcher(dir, { match: (n) => VASSAL_FILE.test(n), onChange, log });
      try {
        watcher.start();
      } catch (e) {
        throw new Error(`cannot watch vassals directory ${dir}: ${errCode(e)}`, { cause: e });
      }
    },
    names: () => watcher?.snapshot.keys() ?? [],
    has: (name) => watcher?.snapshot.has(name) ?? false,
    read: (name) => watcher?.read(name),
    rescan: () => watcher?.scan(),
    async put(name, body) {
      // Whole or not at all: the watcher never sees half a config.
      const tmp = join(dir, `.${name}.${process.pid}.tmp`);
      writeFileSync(tmp, body, { mode: 0o644 });
      renameSync(tmp, join(dir, name));
      watcher?.scan();
    },
    async remove(name) {
      const had = watcher?.snapshot.has(name) ?? false;
      rmSync(join(dir, name), { force: true });
      watcher?.scan();
      return had;
    },
    stop: () => watcher?.stop(),
  };
}
