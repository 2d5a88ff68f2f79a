/**
 * The imperial monitor for a local directory: every `*.ini` and `*.toml` file in it is a
 * vassal. A new file is applied, a changed one updated, a touched one reloaded, a removed
 * one destroyed.
 *
 * @module
 */
import { join } from "node:path";
import { getLogger } from "../log/mod.ts";
import { type DirChanges, DirWatcher } from "../watch/mod.ts";
import type { Supervisor } from "./supervisor.ts";
import { vassalKindOf } from "../vassal/mod.ts";

const log = getLogger("emperor", "dir");

/** True for the file names that are vassals. */
export function isVassalFile(name: string): boolean {
  return vassalKindOf(name) !== undefined;
}

/**
 * Feeds the vassal files of `dir` to `sup` until stopped.
 *
 * @example
 * ```ts
 * const m = new DirMonitor("/etc/uwsgi/vassals", sup);
 * m.start();
 * process.on("SIGHUP", () => m.rescan());
 * ```
 */
export class DirMonitor {
  #watcher: DirWatcher;

  /**
   * @param dir the vassals directory
   * @param sup the supervisor to feed
   * @param pattern a glob the file names must also match (uWSGI's `--emperor "DIR/*.ini"`)
   * @param skip names not to run (kept stopped by `emperor stop`): their changes are ignored
   */
  constructor(
    readonly dir: string,
    private readonly sup: Supervisor,
    pattern?: string,
    rescanMs = 2000,
    private readonly skip: (name: string) => boolean = () => false,
  ) {
    const glob = pattern === undefined ? undefined : new Bun.Glob(pattern);
    const match = (name: string) => isVassalFile(name) && (glob?.match(name) ?? true);
    this.#watcher = new DirWatcher(dir, { match, onChange: (c) => this.#onChange(c), rescanMs, log });
  }

  /**
   * Applies the files already there, then watches.
   *
   * @throws {Error} when the directory cannot be read
   */
  start(): void {
    this.#watcher.start();
  }

  /** Rescans now (SIGHUP). */
  rescan(): void {
    this.#watcher.scan();
  }

  /** Stops watching; the vassals keep running. */
  stop(): void {
    this.#watcher.stop();
  }

  #onChange(c: DirChanges): void {
    for (const name of c.removed) void this.sup.destroy(name);
    for (const name of [...c.added, ...c.changed]) {
      if (this.skip(name)) continue;
      const body = this.#watcher.read(name);
      if (body === undefined) continue;
      this.sup.apply(name, body.toString("utf8"));
    }
    for (const name of c.touched) if (!this.skip(name)) this.sup.reload(name);
  }
}
