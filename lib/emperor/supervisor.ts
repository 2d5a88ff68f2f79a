/**
 * The supervisor: keeps every vassal it is given running, whoever gives them (a local
 * directory or zeus). Configs arrive as text by name; the supervisor stores them under its
 * state dir and never writes anywhere else.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, errCode } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import { systemClock } from "../clock.ts";
import { reapLeftovers } from "./pid_records.ts";
import { CgroupTree } from "./cgroup.ts";
import { Watchdog } from "./watchdog.ts";
import { resolveRunAs } from "../proc/mod.ts";
import { lockStateDir, unlockStateDir } from "./state_lock.ts";
import type { SupervisorEvent, SupervisorOptions, VassalStatus } from "./types.ts";
import { configPath, logPath, Vassal, type VassalContext } from "./vassal.ts";
import { FileWatch } from "./file_watch.ts";
import { DEPARTED_DEFAULTS, type DepartedPolicy, markDeparted, sweepDeparted } from "./departed_logs.ts";
import type { ExecContext } from "../exec/mod.ts";
import { parseVassalConfig, type VassalConfig, vassalNameProblem } from "../vassal/mod.ts";

export type { SupervisorEvent, SupervisorOptions, VassalState, VassalStatus } from "./types.ts";

const log = getLogger("emperor", "supervisor");

/** How often the logs of departed vassals are looked at (more often for a retention under 2 minutes). */
const SWEEP_MS = 60_000;

/**
 * Runs vassals and keeps them alive.
 *
 * @example
 * ```ts
 * const sup = new Supervisor({ stateDir: "/var/lib/emperor", onEvent: (e) => console.log(e) });
 * await sup.start();
 * sup.apply("web.toml", '[vassal]\ncommand = "sleep"\nargs = ["600"]\n');
 * await sup.stopAll();
 * ```
 */
export class Supervisor {
  readonly stateDir: string;
  #ctx: VassalContext;
  #vassals = new Map<string, { vassal: Vassal; text: string; config: VassalConfig }>();
  /** Vassals being destroyed, so stopAll waits for them and a re-apply waits its turn; /status shows them until reaped. */
  #dying = new Map<string, { vassal: Vassal; done: Promise<void> }>();
  /** Vassals whose last config was rejected, with why (for /status); cleared by a good apply or destroy. */
  #rejected = new Map<string, string>();
  /** File watches (`watch = [...]`) by vassal, with what they were made from, and the reloads they caused. */
  #watches = new Map<string, { key: string; watch: FileWatch }>();
  #watchReloads = new Map<string, number>();
  /** Set by stopAll: nothing new starts after it. */
  #stopping = false;
  /** How long the logs of departed vassals are kept, and the timer that removes them after. */
  readonly #departed: DepartedPolicy;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(opts: SupervisorOptions) {
    this.stateDir = opts.stateDir;
    this.#departed = opts.departed ?? DEPARTED_DEFAULTS;
    const onEvent = opts.onEvent ?? (() => {});
    this.#ctx = {
      stateDir: opts.stateDir,
      vassalBinary: opts.vassalBinary ?? "uwsgi",
      workDir: opts.workDir ?? opts.stateDir,
      clock: opts.clock ?? systemClock,
      emit: (e: SupervisorEvent) => onEvent(e),
      state: opts.onState ?? (() => {}),
      ...(opts.startMs ? { startMs: opts.startMs } : {}),
      ...(opts.unhealthyBound !== undefined ? { unhealthyBound: opts.unhealthyBound } : {}),
    };
  }

  /**
   * Makes the state dir's folders, takes it (one emperor per state dir), kills whatever
   * vassal processes an earlier emperor on it left running and clears its stored configs.
   *
   * @throws {Error} when the state dir cannot be created or another live emperor holds it
   */
  async start(): Promise<void> {
    // Private: configs may hold secrets, and the pid records decide what gets killed.
    for (const sub of ["vassals", "logs", "pids"]) {
      try {
        mkdirSync(join(this.stateDir, sub), { recursive: true, mode: 0o700 });
      } catch (e) {
        throw new Error(`cannot use --state-dir ${this.stateDir}: ${errCode(e)}`, { cause: e });
      }
    }
    lockStateDir(this.stateDir);
    for (const rec of reapLeftovers(this.stateDir)) {
      log.warn("killed vassal {name} (pid {pid}) left running by an earlier emperor", { name: rec.name, pid: rec.pid });
    }
    const cgroups = CgroupTree.open(this.stateDir);
    if (cgroups) {
      this.#ctx.cgroups = cgroups;
      for (const name of cgroups.reapAll()) log.warn("killed what vassal {name} left running under an earlier emperor (cgroup)", { name });
      log.info("vassals run in cgroups under {path}", { path: cgroups.path });
    } else log.info("cgroup v2 is not usable here (not root, or not mounted writable): vassals are tracked by process group and session");
    const watchdog = Watchdog.start(cgroups?.path);
    if (watchdog) this.#ctx.watchdog = watchdog;
    // The stored configs were copies for vassals that are now gone; whoever feeds this
    // supervisor (the directory, zeus) applies the current ones again.
    const stored = join(this.stateDir, "vassals");
    for (const name of readdirSync(stored)) rmSync(join(stored, name), { force: true, recursive: true });
    // The first sweep waits a period: whoever feeds this supervisor applies its vassals again first.
    const every = Math.min(SWEEP_MS, Math.max(100, this.#departed.keepMs / 2));
    // On the real clock, as the files' mtimes are: housekeeping, not a vassal's life (a test's
    // fake clock drives those alone), and it never keeps the process alive by itself.
    this.#sweeper = setInterval(() => this.sweepDeparted(), every);
    this.#sweeper.unref();
  }

  /**
   * Removes the logs of departed vassals (not supervised, not being destroyed) past
   * `--log-keep-departed` or over `--log-keep-departed-size`; returns their names.
   */
  sweepDeparted(): string[] {
    const here = (name: string) => this.#vassals.has(name) || this.#dying.has(name);
    return sweepDeparted(this.stateDir, this.#departed, here);
  }

  /**
   * Runs vassal `name` with `config`: a new name is spawned, a known one with a different
   * config is updated (new config, then reloaded), the same config is a no-op. A bad name
   * or config emits `rejected` and changes nothing.
   */
  apply(name: string, config: string): void {
    if (this.#stopping) return void log.info("not starting vassal {name}: the emperor is stopping", { name });
    const problem = vassalNameProblem(name);
    if (problem) return this.#reject(name, problem);
    let parsed: VassalConfig;
    try {
      parsed = parseVassalConfig(name, config);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return this.#reject(name, e.message);
    }
    if (parsed.kind === "plain" && (parsed.user !== undefined || parsed.group !== undefined)) {
      if (process.getuid?.() !== 0) return this.#reject(name, `${name}: user and group need the emperor to run as root`);
      try {
        resolveRunAs(parsed.user, parsed.group);
      } catch (e) {
        return this.#reject(name, `${name}: ${(e as Error).message}`);
      }
    }
    const dying = this.#dying.get(name);
    if (dying) {
      void dying.done.then(() => this.apply(name, config));
      return;
    }
    this.#rejected.delete(name);
    const known = this.#vassals.get(name);
    if (known?.text === config) return;
    try {
      writeFileSync(configPath(this.stateDir, name), config);
    } catch (e) {
      return this.#reject(name, `${name}: cannot store the config: ${(e as Error).message}`);
    }
    this.#watch(name, parsed);
    if (known) {
      known.text = config;
      known.config = parsed;
      known.vassal.update(parsed);
      return;
    }
    const vassal = new Vassal(name, parsed, this.#ctx);
    this.#vassals.set(name, { vassal, text: config, config: parsed });
    vassal.start();
  }

  /** Reloads vassal `name` by its rule; an unknown name is logged and ignored. */
  reload(name: string): void {
    const known = this.#vassals.get(name);
    if (!known) return void log.warn("reload of unknown vassal {name} ignored", { name });
    known.vassal.reload();
  }

  /** Stops vassal `name` (stop_signal or byte 0, then SIGKILL after stop_timeout); resolves once reaped. */
  async destroy(name: string): Promise<void> {
    this.#rejected.delete(name);
    const known = this.#vassals.get(name);
    if (!known) return await this.#dying.get(name)?.done;
    this.#vassals.delete(name);
    this.#watches.get(name)?.watch.stop();
    this.#watches.delete(name);
    this.#watchReloads.delete(name);
    const done = known.vassal.destroy().then(() => {
      this.#dying.delete(name);
      // Its log stays, for --log-keep-departed from now (unless it is placed here again).
      if (!this.#vassals.has(name)) markDeparted(this.stateDir, name);
      try {
        rmSync(configPath(this.stateDir, name), { force: true });
      } catch (e) {
        log.warn("cannot remove the stored config of vassal {name}: {error}", { name, error: (e as Error).message });
      }
    });
    this.#dying.set(name, { vassal: known.vassal, done });
    await done;
  }

  /** True when vassal `name` is supervised (not being destroyed). */
  has(name: string): boolean {
    return this.#vassals.has(name);
  }

  /**
   * Where and as whom commands run "inside" vassal `name` (`zeus exec`, `emperor exec`):
   * its working directory, environment and user, and its log file; undefined when it is
   * not supervised here.
   */
  execContext(name: string): ExecContext | undefined {
    const known = this.#vassals.get(name);
    if (!known) return undefined;
    const c = known.config;
    const status = known.vassal.status();
    const procs = known.vassal.cgroupProcs();
    const base = {
      name,
      logFile: logPath(this.stateDir, name),
      ...(status.pid ? { pid: status.pid } : {}),
      ...(procs ? { cgroupProcs: procs } : {}),
    };
    if (c.kind === "uwsgi") return { ...base, cwd: this.#ctx.workDir, env: {}, runAs: { initGroups: false } };
    return { ...base, cwd: c.cwd ?? this.#ctx.workDir, env: c.env, runAs: resolveRunAs(c.user, c.group) };
  }

  /**
   * The log file vassal `name` left, when it is not supervised here (it failed, was stopped
   * or moved away) and its log is still in the state dir; undefined otherwise.
   */
  departedLog(name: string): string | undefined {
    if (this.#vassals.has(name) || vassalNameProblem(name)) return undefined;
    const path = logPath(this.stateDir, name);
    return existsSync(path) ? path : undefined;
  }

  /** Every supervised vassal's status, by name. */
  list(): VassalStatus[] {
    return [...this.#vassals.entries()]
      .map(([name, v]) => {
        const w = this.#watches.get(name);
        const status = v.vassal.status();
        return w ? { ...status, watch: { patterns: w.watch.patterns, reloads: this.#watchReloads.get(name) ?? 0 } } : status;
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * The vassals being destroyed and not yet reaped (state `stopping`), for /status: a copy
   * that left {@link list} still holds its process until then, and status must not hide it.
   */
  departing(): VassalStatus[] {
    return [...this.#dying.entries()]
      .filter(([name]) => !this.#vassals.has(name))
      .map(([, d]) => ({ ...d.vassal.status(), state: "stopping" as const }));
  }

  /** Stops every vassal gracefully, all at once, and releases the state dir; resolves when all are reaped (every process of their cgroups, up to 2 s more). Later applies are ignored. */
  async stopAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...[...this.#vassals.keys()].map((n) => this.destroy(n)), ...[...this.#dying.values()].map((d) => d.done)]);
    // What the kills hit is gone before the emperor is (a vassal's children die just after it).
    if (this.#ctx.cgroups && !(await this.#ctx.cgroups.drained(2000)))
      log.warn("some vassal processes were still dying at exit (cgroups under {path})", { path: this.#ctx.cgroups.path });
    this.#ctx.watchdog?.stop();
    clearInterval(this.#sweeper);
    unlockStateDir(this.stateDir);
  }

  /** Starts, replaces or stops vassal `name`'s file watch to match its config. */
  #watch(name: string, config: VassalConfig): void {
    const patterns = (config.kind === "plain" ? config.watch : undefined) ?? [];
    const base = (config.kind === "plain" ? config.cwd : undefined) ?? this.#ctx.workDir;
    const key = JSON.stringify([patterns, base]);
    const old = this.#watches.get(name);
    if (old?.key === key) return;
    old?.watch.stop();
    this.#watches.delete(name);
    if (patterns.length === 0) return;
    const watch = new FileWatch(patterns, base, this.#ctx.clock, (path) => {
      if (!this.#vassals.has(name)) return;
      this.#watchReloads.set(name, (this.#watchReloads.get(name) ?? 0) + 1);
      log.info("vassal {name}: {path} changed; reloading it (watch)", { name, path });
      this.reload(name);
    });
    watch.start();
    this.#watches.set(name, { key, watch });
  }

  /** The vassals whose last config was rejected, with the reason (`NAME[:LINE]: reason`), by name. */
  rejected(): { name: string; reason: string }[] {
    return [...this.#rejected].map(([name, reason]) => ({ name, reason })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #reject(name: string, reason: string): void {
    this.#rejected.set(name, reason.startsWith(`${name}:`) ? reason : `${name}: ${reason}`);
    this.#ctx.emit({ type: "rejected", name, reason });
  }
}
