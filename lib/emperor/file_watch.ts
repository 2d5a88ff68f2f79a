/**
 * Seed 001's FileMonitor: `watch = ["/srv/app/**\/*.py", ...]` in `[vassal]` reloads the
 * vassal by its rule when a matching file changes, debounced (300 ms after the last change
 * of a burst, at most 1 s after its first), seen through file-system events on the
 * patterns' base folders.
 *
 * @module
 */
import { existsSync, type FSWatcher, watch } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import type { Clock, TimerHandle } from "../clock.ts";
import { errCode } from "../errors.ts";
import { getLogger } from "../log/mod.ts";

const log = getLogger("emperor", "watch");

/** Quiet time after the last change before the reload. */
export const DEBOUNCE_MS = 300;
/** A burst that never quiets down still reloads this long after its first change. */
export const MAX_WAIT_MS = 1000;

const GLOB = /[*?[{]/;

/**
 * The folder a pattern's matches all lie under (its longest prefix without glob
 * characters), and whether files below its subfolders can match.
 *
 * @example
 * ```ts
 * globBase("/srv/app/**\/*.py");        // { dir: "/srv/app", deep: true }
 * globBase("/srv/app/settings.toml"); // { dir: "/srv/app", deep: false }
 * globBase("/srv/app/**");            // { dir: "/srv/app", deep: true }
 * ```
 */
export function globBase(pattern: string): { dir: string; deep: boolean } {
  const parts = pattern.split("/");
  const first = parts.findIndex((p) => GLOB.test(p));
  if (first < 0) return { dir: parts.slice(0, -1).join("/") || "/", deep: false };
  // A pattern ending in "/**" matches everything below its base, however deep.
  return { dir: parts.slice(0, first).join("/") || "/", deep: first < parts.length - 1 || parts[first] === "**" };
}

/**
 * Calls `fire` once per burst of `poke`s: {@link DEBOUNCE_MS} after the last, or
 * {@link MAX_WAIT_MS} after the first, whichever comes first. Pure but for the clock.
 *
 * @example
 * ```ts
 * const d = new Debouncer(systemClock, () => sup.reload("app.toml"));
 * d.poke(); d.poke(); // one reload, 300 ms later
 * ```
 */
export class Debouncer {
  #timer: TimerHandle | undefined;
  #first = 0;

  constructor(
    readonly clock: Clock,
    readonly fire: () => void,
    readonly quietMs = DEBOUNCE_MS,
    readonly maxMs = MAX_WAIT_MS,
  ) {}

  /** Something changed. */
  poke(): void {
    const now = this.clock.now();
    if (this.#timer === undefined) this.#first = now;
    else this.clock.clearTimeout(this.#timer);
    const wait = Math.max(0, Math.min(this.quietMs, this.#first + this.maxMs - now));
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      this.fire();
    }, wait);
  }

  /** Forgets a pending burst. */
  cancel(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Watches one vassal's patterns; `onChange(path)` gets the first matching path of each
 * burst, debounced. Base folders that do not exist yet are looked for again every second,
 * and so is a base folder whose watcher died (the folder was removed, or the watcher
 * failed): the death is logged, and the folder watched again once it is back.
 *
 * @example
 * ```ts
 * const w = new FileWatch(["src/**\/*.py"], "/srv/app", systemClock, (path) => sup.reload("app.toml"));
 * w.start();
 * w.stop();
 * ```
 */
export class FileWatch {
  readonly patterns: string[];
  #globs: Bun.Glob[];
  #watchers: FSWatcher[] = [];
  #retry: ReturnType<typeof setInterval> | undefined;
  #missing = new Map<string, boolean>();
  #debounce: Debouncer;
  #changed: string | undefined;

  constructor(patterns: string[], baseDir: string, clock: Clock, onChange: (path: string) => void) {
    this.patterns = patterns.map((p) => (isAbsolute(p) ? p : resolve(baseDir, p)));
    this.#globs = this.patterns.map((p) => new Bun.Glob(p));
    this.#debounce = new Debouncer(clock, () => {
      const path = this.#changed ?? "";
      this.#changed = undefined;
      onChange(path);
    });
  }

  /** Starts watching. */
  start(): void {
    const bases = new Map<string, boolean>();
    for (const p of this.patterns) {
      const { dir, deep } = globBase(p);
      bases.set(dir, (bases.get(dir) ?? false) || deep);
    }
    for (const [dir, deep] of bases) if (!this.#watch(dir, deep)) this.#lookAgain(dir, deep);
  }

  /** Stops watching; a pending reload is dropped. */
  stop(): void {
    clearInterval(this.#retry);
    this.#retry = undefined;
    this.#missing.clear();
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    this.#debounce.cancel();
  }

  /** True when `path` matches one of the patterns. */
  matches(path: string): boolean {
    return this.#globs.some((g) => g.match(path));
  }

  /** Tries `dir` again every second until it can be watched. */
  #lookAgain(dir: string, deep: boolean): void {
    this.#missing.set(dir, deep);
    if (this.#retry !== undefined) return;
    this.#retry = setInterval(() => {
      for (const [d, dp] of this.#missing) if (this.#watch(d, dp)) this.#missing.delete(d);
      if (this.#missing.size > 0) return;
      clearInterval(this.#retry);
      this.#retry = undefined;
    }, 1000);
    this.#retry.unref?.();
  }

  #watch(dir: string, deep: boolean): boolean {
    let w: FSWatcher;
    try {
      w = watch(dir, { recursive: deep }, (_event, name) => {
        if (name === null) return;
        // A removed base folder is reported as a change of its own name, and its watcher sees
        // nothing after that, not even the folder made again (by then, maybe, as with a
        // checkout). A file of that name inside it also looks so: watching again costs nothing.
        if (name.toString() === basename(dir) && !existsSync(join(dir, name.toString())))
          return this.#died(w, dir, deep, "the folder was removed");
        const path = join(dir, name.toString());
        if (!this.matches(path)) return;
        this.#changed ??= path;
        this.#debounce.poke();
      });
    } catch {
      // Not there (yet): start() and #lookAgain() try again every second.
      return false;
    }
    w.on("error", (e) => this.#died(w, dir, deep, errCode(e)));
    this.#watchers.push(w);
    return true;
  }

  #died(w: FSWatcher, dir: string, deep: boolean, why: string): void {
    if (!this.#watchers.includes(w)) return;
    this.#watchers = this.#watchers.filter((x) => x !== w);
    w.close();
    log.warn("watch of {dir} stopped: {why}; watching it again once it can (every second)", { dir, why });
    if (!this.#watch(dir, deep)) this.#lookAgain(dir, deep);
  }
}
