/**
 * Cgroup v2 per vassal: one subtree per emperor state dir (`MOUNT/emperor-HASH`), one
 * cgroup per vassal in it, so every process a vassal starts (daemonized or not) is
 * limited and stopped with it by `cgroup.kill`. Used only where cgroup2 is mounted
 * writable and this process may write it (root); everything here fails soft.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CgroupLimits } from "../vassal/mod.ts";
import { errCode } from "../errors.ts";
import { getLogger, leftOut, LogLimiter } from "../log/mod.ts";

const log = getLogger("emperor", "cgroup");

/**
 * The mount point of the writable cgroup2 file system in a `/proc/self/mountinfo` text, or
 * undefined (pure).
 *
 * @example
 * ```ts
 * cgroup2Mount("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"); // "/sys/fs/cgroup/unified"
 * ```
 */
export function cgroup2Mount(mountinfo: string): string | undefined {
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const f = left.split(" ");
    const [fstype, , superOpts] = right.split(" ");
    if (fstype !== "cgroup2" || f[3] !== "/") continue;
    if (!f[5]?.split(",").includes("rw") || superOpts?.split(",").includes("ro")) continue;
    return f[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  }
  return undefined;
}

/** The cgroup subtree of the emperor on `stateDir` (one per state dir, named by its hash). */
export function subtreeName(stateDir: string): string {
  return `emperor-${createHash("sha256").update(stateDir).digest("hex").slice(0, 16)}`;
}

/** The controller files each limit writes (`memory_max` → `memory.max`). */
const LIMIT_FILES: Record<keyof CgroupLimits, { file: string; controller: string }> = {
  memoryMax: { file: "memory.max", controller: "memory" },
  cpuMax: { file: "cpu.max", controller: "cpu" },
  pidsMax: { file: "pids.max", controller: "pids" },
};

/**
 * The emperor's cgroup subtree, or nothing when cgroup v2 cannot be used here.
 *
 * @example
 * ```ts
 * const tree = CgroupTree.open("/var/lib/emperor");
 * const procs = tree?.prepare("web.toml", { memoryMax: "64M" }); // ".../web.toml/cgroup.procs"
 * tree?.kill("web.toml");
 * ```
 */
export class CgroupTree {
  private constructor(
    /** The subtree's path (`MOUNT/emperor-HASH`). */
    readonly path: string,
    /** Controllers enabled for the vassals' cgroups. */
    readonly controllers: Set<string>,
  ) {}

  /** Removals waiting for a cgroup to empty, by vassal (cancelled when it is made again). */
  #removing = new Map<string, ReturnType<typeof setTimeout>>();
  /** Failures to kill what is left of a vassal, said once a minute per vassal and reason. */
  #unkilled = new LogLimiter();

  /** Creates (or takes over) the subtree of `stateDir`; undefined when cgroup v2 is not usable. */
  static open(stateDir: string): CgroupTree | undefined {
    if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
    let mount: string | undefined;
    try {
      mount = cgroup2Mount(readFileSync("/proc/self/mountinfo", "utf8"));
      if (!mount) return undefined;
      const path = join(mount, subtreeName(stateDir));
      mkdirSync(path, { recursive: true });
      if (!existsSync(join(path, "cgroup.kill"))) return undefined;
      const controllers = new Set<string>();
      for (const c of readFileSync(join(path, "cgroup.controllers"), "utf8").trim().split(/\s+/)) {
        if (!["memory", "cpu", "pids"].includes(c)) continue;
        try {
          writeFileSync(join(path, "cgroup.subtree_control"), `+${c}`);
          controllers.add(c);
        } catch {
          // not delegable here: that limit is unavailable
        }
      }
      return new CgroupTree(path, controllers);
    } catch {
      // Not root, or cgroup v2 not mounted writable: the caller logs that vassals run without cgroups.
      return undefined;
    }
  }

  /** The cgroup of vassal `name`. */
  dir(name: string): string {
    return join(this.path, name);
  }

  /**
   * Makes vassal `name`'s cgroup and writes its limits.
   *
   * @returns its `cgroup.procs` file, and the limits that could not be applied
   * @throws {Error} when the cgroup cannot be made
   */
  prepare(name: string, limits: CgroupLimits): { procs: string; unavailable: string[] } {
    clearTimeout(this.#removing.get(name));
    this.#removing.delete(name);
    const dir = this.dir(name);
    mkdirSync(dir, { recursive: true });
    const unavailable: string[] = [];
    for (const key of Object.keys(LIMIT_FILES) as (keyof CgroupLimits)[]) {
      const { file, controller } = LIMIT_FILES[key];
      const value = limits[key];
      if (!this.controllers.has(controller)) {
        if (value !== undefined) unavailable.push(file);
        continue;
      }
      try {
        writeFileSync(join(dir, file), value ?? "max");
      } catch {
        if (value !== undefined) unavailable.push(file);
      }
    }
    return { procs: join(dir, "cgroup.procs"), unavailable };
  }

  /**
   * SIGKILLs every process in vassal `name`'s cgroup (no-op when it has none).
   *
   * @returns why it could not (`cgroup.kill` not written: "EMFILE" with every descriptor taken), undefined when done or gone
   */
  kill(name: string): string | undefined {
    return killCgroup(this.dir(name));
  }

  /** Removes vassal `name`'s cgroup once empty; false while processes remain. */
  remove(name: string): boolean {
    try {
      rmdirSync(this.dir(name));
      return true;
    } catch (e) {
      return errCode(e) === "ENOENT";
    }
  }

  /**
   * Kills what is left in vassal `name`'s cgroup and removes it once empty (retrying for about
   * 5 s, and for as long as it cannot even ask for the kill for want of descriptors).
   */
  removeSoon(name: string, tries = 50): void {
    clearTimeout(this.#removing.get(name));
    this.#removing.delete(name);
    const failed = this.kill(name);
    if (this.remove(name)) return;
    const starved = failed === "EMFILE" || failed === "ENFILE";
    const more = failed ? this.#unkilled.take(`${name} ${failed}`) : undefined;
    if (more !== undefined)
      log.warn("cannot kill what is left of vassal {name}: {error}; trying again{more}", { name, error: failed, more: leftOut(more) });
    if (tries <= 0 && !starved) {
      log.warn("vassal {name}'s cgroup still holds processes after 5 s: left as it is", { name });
      return;
    }
    const t = setTimeout(() => this.removeSoon(name, starved ? tries : tries - 1), 100);
    t.unref?.();
    this.#removing.set(name, t);
  }

  /**
   * Resolves true once no vassal cgroup of the subtree holds a process, false after `ms`.
   * A SIGKILL is delivered asynchronously: a vassal's forked children may outlive the
   * vassal's own exit by a few milliseconds, and an emperor that stops should not.
   */
  async drained(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      let busy: boolean;
      try {
        busy = readdirSync(this.path, { withFileTypes: true }).some((e) => e.isDirectory() && populated(join(this.path, e.name)));
      } catch {
        // Unreadable now: counted as busy, so the wait goes on to its deadline rather than end early.
        return true;
      }
      if (!busy) return true;
      if (Date.now() > deadline) return false;
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  /** Kills every process of the subtree (what an earlier emperor left); returns the cgroups that held any. */
  reapAll(): string[] {
    const held: string[] = [];
    for (const entry of readdirSync(this.path, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(this.path, entry.name);
      if (populated(dir)) held.push(entry.name);
      killCgroup(dir);
    }
    return held;
  }
}

/** True when the cgroup at `dir` holds processes (its `cgroup.events` says `populated 1`). */
export function populated(dir: string): boolean {
  try {
    return /^populated 1$/m.test(readFileSync(join(dir, "cgroup.events"), "utf8"));
  } catch (e) {
    // The cgroup is gone: nothing in it. Unreadable now (EMFILE): counted as populated, so
    // that a wait for it goes on rather than ending early.
    return errCode(e) !== "ENOENT";
  }
}

/** Writes `cgroup.kill`; returns why it could not, or undefined when done or the cgroup is gone. */
function killCgroup(dir: string): string | undefined {
  try {
    writeFileSync(join(dir, "cgroup.kill"), "1");
    return undefined;
  } catch (e) {
    return errCode(e) === "ENOENT" ? undefined : errCode(e);
  }
}
