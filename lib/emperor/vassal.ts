/**
 * One supervised vassal: starts its process, follows what it says, restarts it through
 * the throttle when it dies, reloads it by its rule and stops it on destroy.
 *
 * @module
 */
import { join } from "node:path";
import { getLogger } from "../log/logging.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import { EMPEROR_BYTES, isReady, parseVassalBytes } from "./emperor_protocol.ts";
import { removePidRecord, writePidRecord } from "./pid_records.ts";
import { readProcStat } from "./proc_stat.ts";
import { Throttle } from "./throttle.ts";
import type { SupervisorEvent, VassalState, VassalStatus } from "./types.ts";
import type { PlainConfig, VassalConfig } from "./vassal_config.ts";
import { launchVassal, type VassalProcess } from "./vassal_process.ts";

const log = getLogger("emperor", "vassal");

/** A uWSGI vassal that sent heartbeats and then none for this long is killed (and restarted), as uWSGI's emperor does. */
export const HEARTBEAT_DEADLINE_MS = 30_000;

/** What a vassal needs from its supervisor. */
export interface VassalContext {
  stateDir: string;
  vassalBinary: string;
  workDir: string;
  clock: Clock;
  emit(e: SupervisorEvent): void;
}

/** The path of vassal `name`'s stored config under the state dir. */
export function configPath(stateDir: string, name: string): string {
  return join(stateDir, "vassals", name);
}

/** The path of vassal `name`'s log under the state dir. */
export function logPath(stateDir: string, name: string): string {
  return join(stateDir, "logs", `${name}.log`);
}

/** True when two plain configs start the same process (so a signal can reload it). */
function sameProcess(a: PlainConfig, b: PlainConfig): boolean {
  const key = (c: PlainConfig) => JSON.stringify([c.command, c.args, c.env, c.cwd, c.user, c.group]);
  return key(a) === key(b);
}

/**
 * A vassal under supervision (its config file is written by the supervisor first).
 *
 * @example
 * ```ts
 * const v = new Vassal("web.toml", config, ctx);
 * v.start();
 * await v.destroy();
 * ```
 */
export class Vassal {
  #state: VassalState = "starting";
  #since: number;
  #proc: VassalProcess | undefined;
  #restarts = 0;
  #lastExit: VassalStatus["lastExit"];
  #throttle = new Throttle();
  #backoff: TimerHandle | undefined;
  #killTimer: TimerHandle | undefined;
  #heartbeat: TimerHandle | undefined;
  #announced = false;
  #reloadPending = false;
  /** A reload asked for while uWSGI was still starting or reloading: sent once it is ready. */
  #reloadAgain = false;
  /** Ready came from byte 1, so this exec's byte 5 is still to come and must not end a later reload. */
  #lateAccepting = false;
  /** What to do once the process is gone: start it again, report it destroyed, or leave it stopped ("rest"). */
  #afterStop: "restart" | "destroy" | "rest" | undefined;
  /** Stopped at its own request (byte 22): started again by the next reload or update. */
  #resting = false;
  #stopped: (() => void)[] = [];

  constructor(
    readonly name: string,
    public config: VassalConfig,
    private readonly ctx: VassalContext,
  ) {
    this.#since = ctx.clock.now();
  }

  /** Starts the process. */
  start(): void {
    this.#launch();
  }

  /** Where it stands, for `/status`. */
  status(): VassalStatus {
    const s: VassalStatus = { name: this.name, kind: this.config.kind, state: this.#state, restarts: this.#restarts, since: this.#since };
    if (this.#proc) s.pid = this.#proc.pid;
    if (this.#lastExit) s.lastExit = this.#lastExit;
    return s;
  }

  /** Reloads by its rule: uWSGI gets byte 1; plain ones get their signal or are restarted. */
  reload(): void {
    if (this.#resting) {
      this.#resting = false;
      this.#reloadPending = true;
      this.#launch();
      return;
    }
    if (this.#state === "stopping" || this.#state === "stopped") return;
    this.#reloadPending = true;
    if (!this.#proc) {
      this.ctx.clock.clearTimeout(this.#backoff);
      this.#launch();
    } else if (this.config.kind === "uwsgi") {
      // A second byte 1 in the middle of a reload can leave uWSGI half-reloaded: queue it.
      if (this.#state === "starting" || this.#state === "reloading") this.#reloadAgain = true;
      else this.#sendReload();
    } else if (this.config.reload.kind === "signal") {
      this.#proc.signal(this.config.reload.signal);
      this.#reloadPending = false;
      this.ctx.emit({ type: "reloaded", name: this.name });
    } else {
      this.#stop("restart");
    }
  }

  /** Takes a new config (already stored), then reloads; a plain vassal whose process changed restarts. */
  update(config: VassalConfig): void {
    const old = this.config;
    this.config = config;
    if (old.kind === "plain" && config.kind === "plain" && this.#proc && !sameProcess(old, config)) {
      if (this.#state === "stopping") return;
      this.#reloadPending = true;
      this.#stop("restart");
      return;
    }
    this.reload();
  }

  /** Stops it (graceful, then SIGKILL after stop_timeout); resolves once reaped. */
  destroy(): Promise<void> {
    this.ctx.clock.clearTimeout(this.#backoff);
    this.#backoff = undefined;
    if (!this.#proc) {
      if (this.#state !== "stopped" || this.#resting) {
        this.#resting = false;
        this.#setState("stopped");
        this.ctx.emit({ type: "destroyed", name: this.name });
      }
      return Promise.resolve();
    }
    const done = new Promise<void>((res) => this.#stopped.push(res));
    if (this.#state === "stopping") this.#afterStop = "destroy";
    else this.#stop("destroy");
    return done;
  }

  #setState(s: VassalState): void {
    this.#state = s;
    this.#since = this.ctx.clock.now();
  }

  #launch(): void {
    this.#backoff = undefined;
    const { stateDir, workDir } = this.ctx;
    const logFile = logPath(stateDir, this.name);
    const events = {
      onBytes: (b: Uint8Array) => this.#onBytes(b),
      onExit: (c: number | null, s: string | null, e?: Error) => this.#onExit(c, s, e),
    };
    this.#setState("starting");
    this.#reloadAgain = false;
    this.#lateAccepting = false;
    this.#throttle.started(this.ctx.clock.now());
    try {
      this.#proc =
        this.config.kind === "uwsgi"
          ? launchVassal(
              { kind: "uwsgi", binary: this.ctx.vassalBinary, iniFile: configPath(stateDir, this.name), cwd: workDir, logFile },
              events,
            )
          : launchVassal({ kind: "plain", config: this.config, cwd: workDir, logFile }, events);
    } catch (e) {
      log.error("cannot start vassal {name}: {error}", { name: this.name, error: (e as Error).message });
      this.#afterExit(null, null);
      return;
    }
    const pid = this.#proc.pid;
    if (pid > 1) writePidRecord(stateDir, { name: this.name, pid, startTime: readProcStat(pid)?.startTime ?? "" });
    log.debug("vassal {name} started, pid {pid}", { name: this.name, pid });
    if (this.config.kind === "plain") this.#ready();
  }

  #sendReload(): void {
    this.#setState("reloading");
    this.#proc?.send(EMPEROR_BYTES.reload);
  }

  #ready(): void {
    if (this.#state !== "starting" && this.#state !== "reloading") return;
    if (this.#reloadAgain && this.#proc) {
      this.#reloadAgain = false;
      if (!this.#announced) {
        this.#announced = true;
        this.ctx.emit({ type: "spawned", name: this.name, pid: this.#proc.pid });
      }
      this.#sendReload();
      return;
    }
    this.#setState("running");
    if (!this.#announced) {
      this.#announced = true;
      this.#reloadPending = false;
      this.ctx.emit({ type: "spawned", name: this.name, pid: this.#proc?.pid ?? -1 });
    } else if (this.#reloadPending) {
      this.#reloadPending = false;
      this.ctx.emit({ type: "reloaded", name: this.name });
    }
  }

  #onBytes(bytes: Uint8Array): void {
    for (const m of parseVassalBytes(bytes)) {
      if (m === "accepting" && this.#lateAccepting) this.#lateAccepting = false;
      else if (isReady(m)) {
        if (m === "spawned" && (this.#state === "starting" || this.#state === "reloading")) this.#lateAccepting = true;
        this.#ready();
      } else if (m === "heartbeat") this.#onHeartbeat();
      else if (m === "voluntary_shutdown") this.#voluntaryShutdown();
      else if (typeof m === "object") log.debug("vassal {name} sent unknown byte {byte}", { name: this.name, byte: m.unknown });
    }
  }

  #onHeartbeat(): void {
    const proc = this.#proc;
    this.ctx.clock.clearTimeout(this.#heartbeat);
    this.#heartbeat = this.ctx.clock.setTimeout(() => {
      log.warning("vassal {name} sent no heartbeat for {s} s: killing it", { name: this.name, s: HEARTBEAT_DEADLINE_MS / 1000 });
      proc?.killGroup();
    }, HEARTBEAT_DEADLINE_MS);
  }

  /** As uWSGI's emperor does: stop it, and start it again only when asked (touch, update). */
  #voluntaryShutdown(): void {
    if (this.#state === "stopping") return;
    log.info("vassal {name} asked to be stopped: it stays stopped until reloaded or updated", { name: this.name });
    this.#stop("rest");
  }

  #stop(after: "restart" | "destroy" | "rest"): void {
    const proc = this.#proc;
    if (!proc) return;
    this.#afterStop = after;
    this.#setState("stopping");
    // uWSGI treats SIGTERM as "reload"; SIGINT is its graceful stop when the socket is gone.
    if (this.config.kind === "uwsgi") {
      if (!proc.send(EMPEROR_BYTES.stop)) proc.signal("SIGINT");
    } else {
      proc.signal(this.config.stopSignal);
    }
    this.#killTimer = this.ctx.clock.setTimeout(() => {
      log.warning("vassal {name} did not stop in {s} s: killing it", { name: this.name, s: this.config.stopTimeout });
      proc.killGroup();
    }, this.config.stopTimeout * 1000);
  }

  #onExit(code: number | null, signal: string | null, error?: Error): void {
    if (error) log.error("vassal {name} could not start: {error}", { name: this.name, error: error.message });
    this.#proc?.killGroup(); // whatever it forked goes with it
    this.#proc = undefined;
    this.ctx.clock.clearTimeout(this.#killTimer);
    this.ctx.clock.clearTimeout(this.#heartbeat);
    this.#heartbeat = undefined;
    removePidRecord(this.ctx.stateDir, this.name);
    this.#afterExit(code, signal);
  }

  #afterExit(code: number | null, signal: string | null): void {
    const now = this.ctx.clock.now();
    this.#lastExit = { code, signal, at: now };
    const after = this.#afterStop;
    this.#afterStop = undefined;
    if (after === "destroy") {
      this.#setState("stopped");
      this.ctx.emit({ type: "destroyed", name: this.name });
      for (const res of this.#stopped.splice(0)) res();
      return;
    }
    if (after === "restart") {
      this.#launch();
      return;
    }
    if (after === "rest") {
      this.#resting = true;
      this.#setState("stopped");
      return;
    }
    this.#restarts++;
    this.ctx.emit({ type: "exited", name: this.name, code, signal });
    const delay = this.#throttle.exited(now);
    this.#setState("backoff");
    log.info("vassal {name} exited ({how}): restarting in {delay} ms", { name: this.name, how: signal ?? `code ${code}`, delay });
    this.#backoff = this.ctx.clock.setTimeout(() => this.#launch(), delay);
  }
}
