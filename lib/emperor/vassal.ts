/**
 * One supervised vassal: carries out what its {@link VassalMachine} decides — starts the
 * process, writes its pid record, sends emperor-protocol bytes, signals, sets timers on the
 * injected clock — and feeds back what the process does.
 *
 * @module
 */
import { join } from "node:path";
import { getLogger } from "../log/mod.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import { probe, probeReady } from "./check_probe.ts";
import { type HealthAction, HealthSchedule } from "./health.ts";
import { parseVassalBytes } from "./emperor_protocol.ts";
import { removePidRecord, writePidRecord } from "./pid_records.ts";
import { readProcStat } from "../proc/mod.ts";
import type { CgroupTree } from "./cgroup.ts";
import type { Watchdog } from "./watchdog.ts";
import type { SupervisorEvent, VassalStatus } from "./types.ts";
import type { VassalConfig } from "../vassal/mod.ts";
import { type Action, HEARTBEAT_DEADLINE_MS, type TimerName, VassalMachine } from "./vassal_machine.ts";
import { launchVassal, type VassalProcess } from "./vassal_process.ts";

const log = getLogger("emperor", "vassal");

/** What a vassal needs from its supervisor. */
export interface VassalContext {
  stateDir: string;
  vassalBinary: string;
  workDir: string;
  clock: Clock;
  emit(e: SupervisorEvent): void;
  /** A plain vassal counts as running once it has stayed up this long (default 0: at once). */
  startMs?: number;
  /** A lone emperor's bound on restarts for a failing check (see SupervisorOptions); unset under zeus. */
  unhealthyBound?: number;
  /** The vassal's state or health changed. */
  state(s: VassalStatus): void;
  /** The emperor's cgroup subtree, where cgroup v2 is usable: each vassal runs in a cgroup of its own. */
  cgroups?: CgroupTree;
  /** Kills what the vassals left if the emperor dies. */
  watchdog?: Watchdog;
}

/** The path of vassal `name`'s stored config under the state dir. */
export function configPath(stateDir: string, name: string): string {
  return join(stateDir, "vassals", name);
}

/** The path of vassal `name`'s log under the state dir. */
export function logPath(stateDir: string, name: string): string {
  return join(stateDir, "logs", `${name}.log`);
}

/**
 * A vassal under supervision (its config file is written by the supervisor first).
 *
 * @example
 * ```ts
 * import type { VassalConfig } from "../vassal/mod.ts";
 * declare const config: VassalConfig;
 * declare const ctx: VassalContext;
 * const v = new Vassal("web.toml", config, ctx);
 * v.start();
 * await v.destroy();
 * ```
 */
export class Vassal {
  #m: VassalMachine;
  #proc: VassalProcess | undefined;
  #timers = new Map<TimerName, TimerHandle>();
  #settled: (() => void)[] = [];
  #health: HealthSchedule | undefined;
  #healthTimer: TimerHandle | undefined;
  /** The state and health last announced, so every change (and only a change) is told. */
  #told = "";

  constructor(
    readonly name: string,
    config: VassalConfig,
    private readonly ctx: VassalContext,
  ) {
    this.#m = new VassalMachine(name, config, ctx.clock.now(), ctx.startMs ?? 0, ctx.unhealthyBound);
    if (config.check) this.#health = this.#schedule(config.check);
  }

  /** The health checks of `check`, their probe made ready now, while descriptors are there. */
  #schedule(check: NonNullable<VassalConfig["check"]>): HealthSchedule {
    probeReady(check.target);
    return new HealthSchedule(check);
  }

  /** Starts the process. */
  start(): void {
    this.#run(this.#m.start(this.#now()));
  }

  /** Where it stands, for `/status`. */
  status(): VassalStatus {
    const s = this.#m.status();
    if (!this.#health) return s;
    s.check = { target: this.#health.config.text, ...this.#health.status() };
    if (s.failed && s.check.last) s.failed += `, the last check: ${s.check.last.detail}`;
    return s;
  }

  /** Reloads by its rule: uWSGI gets byte 1; plain ones get their signal or are restarted. */
  reload(): void {
    this.#run(this.#m.reload(this.#now()));
  }

  /** Takes a new config (already stored), then reloads; a plain vassal whose process changed restarts. */
  update(config: VassalConfig): void {
    if (JSON.stringify(config.check) !== JSON.stringify(this.#health?.config)) {
      this.#runHealth(this.#health?.stopped() ?? []);
      this.#health = config.check ? this.#schedule(config.check) : undefined;
    }
    this.#run(this.#m.update(this.#now(), config));
  }

  /** Stops it (graceful, then SIGKILL after stop_timeout); resolves once reaped. */
  destroy(): Promise<void> {
    const done = new Promise<void>((res) => this.#settled.push(res));
    this.#run(this.#m.destroy(this.#now()));
    return done;
  }

  #now(): number {
    return this.ctx.clock.now();
  }

  #run(actions: Action[]): void {
    for (const a of actions) {
      switch (a.do) {
        case "launch":
          this.#launch();
          break;
        case "send":
          // uWSGI treats SIGTERM as "reload"; SIGINT is its graceful stop when the socket is gone.
          if (!this.#proc?.send(a.byte) && a.byte === 0) this.#proc?.signal("SIGINT");
          break;
        case "signal":
          this.#proc?.signal(a.signal);
          break;
        case "kill_group":
          if (a.why === "stop_timeout")
            log.warn("vassal {name} did not stop in {s} s: killing it", { name: this.name, s: this.#m.config.stopTimeout });
          else log.warn("vassal {name} sent no heartbeat for {s} s: killing it", { name: this.name, s: HEARTBEAT_DEADLINE_MS / 1000 });
          this.#proc?.killGroup();
          this.ctx.cgroups?.kill(this.name);
          break;
        case "timer":
          if (a.timer === "backoff") log.info("restarting vassal {name} in {delay} ms", { name: this.name, delay: a.ms });
          this.ctx.clock.clearTimeout(this.#timers.get(a.timer));
          this.#timers.set(
            a.timer,
            this.ctx.clock.setTimeout(() => {
              this.#timers.delete(a.timer);
              this.#run(this.#m.timer(this.#now(), a.timer));
            }, a.ms),
          );
          break;
        case "cancel":
          this.ctx.clock.clearTimeout(this.#timers.get(a.timer));
          this.#timers.delete(a.timer);
          break;
        case "emit":
          this.ctx.emit(a.event);
          break;
        case "settled":
          this.ctx.cgroups?.removeSoon(this.name);
          for (const res of this.#settled.splice(0)) res();
          break;
        case "unexpected":
          log.error("protocol error: vassal {name} got {input} while {phase}: ignored", {
            name: this.name,
            input: a.input,
            phase: a.phase,
          });
          break;
      }
    }
    this.#observe();
  }

  /** Probes only while running; announces each change of state or health. */
  #observe(): void {
    const status = this.#m.status();
    if (this.#health) this.#runHealth(status.state === "running" ? this.#health.running() : this.#health.stopped());
    this.#announce();
  }

  #announce(): void {
    const s = this.status();
    const key = `${s.state} ${s.check?.state ?? ""}`;
    if (key === this.#told) return;
    this.#told = key;
    this.ctx.state(s);
  }

  #runHealth(actions: HealthAction[]): void {
    const h = this.#health;
    if (!h) return;
    for (const a of actions) {
      switch (a.do) {
        case "timer":
          this.ctx.clock.clearTimeout(this.#healthTimer);
          this.#healthTimer = this.ctx.clock.setTimeout(() => this.#runHealth(h.due()), a.ms);
          break;
        case "cancel":
          this.ctx.clock.clearTimeout(this.#healthTimer);
          this.#healthTimer = undefined;
          break;
        case "probe": {
          const config = this.#m.config;
          const cwd = (config.kind === "plain" ? config.cwd : undefined) ?? this.ctx.workDir;
          void probe(h.config.target, h.config.timeoutMs, cwd).then((r) => {
            if (this.#health !== h) return;
            if (!r.ok) log.info("vassal {name} check failed: {detail}", { name: this.name, detail: r.detail });
            this.#runHealth(h.result(a.gen, this.#now(), r.ok, r.detail));
          });
          break;
        }
        case "changed":
          if (a.state === "healthy") this.#run(this.#m.healthy(this.#now()));
          else this.#announce();
          break;
        case "restart":
          // A lone emperor says next whether it restarts it (after its delay) or gives up.
          log.warn("vassal {name} is unhealthy ({why}): {what}", {
            name: this.name,
            why: a.why,
            what: this.ctx.unhealthyBound === undefined ? "restarting it" : "stopping it",
          });
          this.ctx.emit({ type: "unhealthy", name: this.name, why: a.why });
          this.#run(this.#m.unhealthy(this.#now()));
          break;
      }
    }
  }

  #launch(): void {
    const { stateDir, workDir } = this.ctx;
    const logFile = logPath(stateDir, this.name);
    const config = this.#m.config;
    const events = {
      onBytes: (b: Uint8Array) => this.#onBytes(b),
      onExit: (c: number | null, s: string | null, e?: Error, line?: string) => this.#onExit(c, s, e, line),
    };
    try {
      const common = { cwd: workDir, logFile, ...(config.logRotation ? { logRotation: config.logRotation } : {}), ...this.#cgroup() };
      this.#proc =
        config.kind === "uwsgi"
          ? launchVassal({ kind: "uwsgi", binary: this.ctx.vassalBinary, iniFile: configPath(stateDir, this.name), ...common }, events)
          : launchVassal({ kind: "plain", config, ...common }, events);
    } catch (e) {
      log.error("cannot start vassal {name}: {error}", { name: this.name, error: (e as Error).message });
      this.#run(this.#m.exited(this.#now(), null, null));
      return;
    }
    const pid = this.#proc.pid;
    this.ctx.watchdog?.started(pid);
    try {
      if (pid > 1) writePidRecord(stateDir, { name: this.name, pid, startTime: readProcStat(pid)?.startTime ?? "" });
    } catch (e) {
      // Unrecorded, a crash of the emperor would leave it unreaped: stop it; its exit restarts it with backoff.
      log.error("cannot record vassal {name}'s pid ({error}): killing it", { name: this.name, error: (e as Error).message });
      this.#proc.killGroup();
      this.ctx.cgroups?.kill(this.name);
    }
    log.debug("vassal {name} started, pid {pid}", { name: this.name, pid });
    this.#run(this.#m.started(this.#now(), pid));
  }

  /** Makes this vassal's cgroup with its limits, where there are cgroups; `{}` without. */
  #cgroup(): { cgroupProcs?: string } {
    const tree = this.ctx.cgroups;
    if (!tree) return {};
    const config = this.#m.config;
    const { procs, unavailable } = tree.prepare(this.name, (config.kind === "plain" ? config.limits : undefined) ?? {});
    if (unavailable.length > 0)
      log.warn("vassal {name}: cannot set {files} (the controller is not enabled in cgroup v2 here): it runs without", {
        name: this.name,
        files: unavailable.join(", "),
      });
    return { cgroupProcs: procs };
  }

  /** The vassal's cgroup.procs file, when it runs in a cgroup of its own. */
  cgroupProcs(): string | undefined {
    return this.ctx.cgroups ? join(this.ctx.cgroups.dir(this.name), "cgroup.procs") : undefined;
  }

  #onBytes(bytes: Uint8Array): void {
    const messages = parseVassalBytes(bytes);
    for (const m of messages) {
      if (m === "voluntary_shutdown")
        log.info("vassal {name} asked to be stopped: it stays stopped until reloaded or updated", { name: this.name });
      else if (typeof m === "object") log.debug("vassal {name} sent unknown byte {byte}", { name: this.name, byte: m.unknown });
    }
    this.#run(this.#m.bytes(this.#now(), messages));
  }

  #onExit(code: number | null, signal: string | null, error?: Error, line?: string): void {
    if (error) log.error("vassal {name} could not start: {error}", { name: this.name, error: error.message });
    this.#proc?.killGroup(); // whatever it forked goes with it
    this.ctx.cgroups?.kill(this.name); // even what left its group and session
    if (this.#proc) this.ctx.watchdog?.reaped(this.#proc.pid);
    this.#proc = undefined;
    try {
      removePidRecord(this.ctx.stateDir, this.name);
    } catch (e) {
      log.warn("cannot remove vassal {name}'s pid record: {error}", { name: this.name, error: (e as Error).message });
    }
    this.#run(this.#m.exited(this.#now(), code, signal, error ? `could not start: ${error.message}` : line));
  }
}
