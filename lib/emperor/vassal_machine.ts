/**
 * A vassal's life as a pure state machine: inputs (started, bytes from uWSGI, exited,
 * reload, update, destroy, timers firing) in, actions (launch, send a byte, signal, set a
 * timer, emit an event) out. No processes, sockets or timers inside: `vassal.ts` carries
 * the actions out.
 *
 * @module
 */
import { isReady, type VassalMessage } from "./emperor_protocol.ts";
import { Throttle } from "./throttle.ts";
import type { SupervisorEvent, VassalState, VassalStatus } from "./types.ts";
import type { PlainConfig, VassalConfig } from "../vassal/mod.ts";

/** A uWSGI vassal that sent heartbeats and then none for this long is killed (and restarted), as uWSGI's emperor does. */
export const HEARTBEAT_DEADLINE_MS = 30_000;

/**
 * How long a uWSGI vassal that said "spawned" (1) is given to say "accepting" (5) before a
 * reload is sent anyway: until then a 5 could belong to the boot or to the reload.
 */
export const ACCEPTING_WAIT_MS = 5_000;

/** The machine's timers: restart delay, SIGKILL after stop_timeout, heartbeat deadline, the wait for byte 5. */
export type TimerName = "backoff" | "kill" | "heartbeat" | "accepting" | "started";

/**
 * What to do. A `launch` is always the last action of a batch (starting a process may fail
 * at once, and that failure is the next input).
 */
export type Action =
  | { do: "launch" }
  /** An emperor-protocol byte to a uWSGI vassal: 0 stop, 1 reload. */
  | { do: "send"; byte: 0 | 1 }
  | { do: "signal"; signal: NodeJS.Signals }
  /** SIGKILL the process group. */
  | { do: "kill_group"; why: "stop_timeout" | "heartbeat" }
  /** (Re)arm a timer; the input it leads to is named after it. */
  | { do: "timer"; timer: TimerName; ms: number }
  | { do: "cancel"; timer: TimerName }
  | { do: "emit"; event: SupervisorEvent }
  /** A destroy is complete: whoever waits for it may go on. */
  | { do: "settled" };

/** True when two plain configs start the same process (so a signal can reload it). */
export function sameProcess(a: PlainConfig, b: PlainConfig): boolean {
  const key = (c: PlainConfig) => JSON.stringify([c.command, c.args, c.env, c.cwd, c.user, c.group]);
  return key(a) === key(b);
}

/**
 * One vassal's state; every method takes the time and returns the actions to carry out.
 *
 * @example
 * ```ts
 * const m = new VassalMachine("web.toml", config, Date.now());
 * m.start(Date.now()); // [{ do: "launch" }]
 * m.started(Date.now(), 4242); // [{ do: "emit", event: { type: "spawned", name: "web.toml", pid: 4242 } }]
 * ```
 */
export class VassalMachine {
  #state: VassalState = "starting";
  #since: number;
  #pid: number | undefined;
  #running = false;
  #restarts = 0;
  #lastExit: VassalStatus["lastExit"];
  #throttle = new Throttle();
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

  constructor(
    readonly name: string,
    public config: VassalConfig,
    now: number,
    /** A plain vassal is running once it has stayed up this long (supervisord's startsecs); 0: at once. */
    readonly startMs = 0,
  ) {
    this.#since = now;
  }

  /** Where it stands, for `/status`. */
  status(): VassalStatus {
    const s: VassalStatus = { name: this.name, kind: this.config.kind, state: this.#state, restarts: this.#restarts, since: this.#since };
    if (this.#pid !== undefined) s.pid = this.#pid;
    if (this.#lastExit) s.lastExit = this.#lastExit;
    if (this.#state === "backoff") s.streak = this.#throttle.streak;
    return s;
  }

  /** The first start. */
  start(now: number): Action[] {
    return this.#launch(now);
  }

  /** The process is started with `pid`: a plain vassal is running now, a uWSGI one when it says so. */
  started(now: number, pid: number): Action[] {
    this.#pid = pid;
    if (this.config.kind !== "plain") return [];
    // A command that cannot run dies within milliseconds: it is never reported running.
    return this.startMs > 0 ? [{ do: "timer", timer: "started", ms: this.startMs }] : this.#ready(now);
  }

  /** Messages read from a uWSGI vassal's emperor socket. */
  bytes(now: number, messages: readonly VassalMessage[]): Action[] {
    const out: Action[] = [];
    for (const m of messages) {
      if (m === "accepting" && this.#lateAccepting) {
        this.#lateAccepting = false;
        out.push({ do: "cancel", timer: "accepting" }, ...this.#deferredReload(now));
      } else if (isReady(m)) {
        if (m === "spawned" && (this.#state === "starting" || this.#state === "reloading")) {
          this.#lateAccepting = true;
          out.push({ do: "timer", timer: "accepting", ms: ACCEPTING_WAIT_MS });
        }
        out.push(...this.#ready(now));
      } else if (m === "heartbeat") out.push({ do: "timer", timer: "heartbeat", ms: HEARTBEAT_DEADLINE_MS });
      else if (m === "voluntary_shutdown" && !this.#goingDown()) out.push(...this.#stop(now, "rest"));
    }
    return out;
  }

  /** Reload by its rule: uWSGI gets byte 1; plain ones get their signal or are restarted. */
  reload(now: number): Action[] {
    if (this.#resting) {
      this.#resting = false;
      this.#reloadPending = true;
      return this.#launch(now);
    }
    if (this.#goingDown() || this.#state === "stopped") return [];
    this.#reloadPending = true;
    if (!this.#running) return [{ do: "cancel", timer: "backoff" }, ...this.#launch(now)];
    if (this.config.kind === "uwsgi") {
      // A second byte 1 in the middle of a reload can leave uWSGI half-reloaded, and one sent
      // before this exec's byte 5 would make that 5 ambiguous: queue it.
      if (this.#state === "starting" || this.#state === "reloading" || this.#lateAccepting) {
        this.#reloadAgain = true;
        return [];
      }
      return this.#sendReload(now);
    }
    if (this.config.reload.kind === "signal") {
      this.#reloadPending = false;
      return [
        { do: "signal", signal: this.config.reload.signal },
        { do: "emit", event: { type: "reloaded", name: this.name } },
      ];
    }
    return this.#stop(now, "restart");
  }

  /** A new config (already stored), then a reload; a plain vassal whose process changed restarts. */
  update(now: number, config: VassalConfig): Action[] {
    const old = this.config;
    this.config = config;
    if (old.kind === "plain" && config.kind === "plain" && this.#running && !sameProcess(old, config)) {
      if (this.#goingDown()) return []; // the restart under way starts the new config
      this.#reloadPending = true;
      return this.#stop(now, "restart");
    }
    return this.reload(now);
  }

  /** Its health check failed `check_failures` times in a row: restart it (`unhealthy` until it is gone). */
  unhealthy(now: number): Action[] {
    if (this.#state !== "running") return [];
    this.#restarts++;
    const out = this.#stop(now, "restart");
    this.#setState(now, "unhealthy");
    return out;
  }

  /** Stop for good: graceful stop, SIGKILL after stop_timeout, then `destroyed` and `settled`. */
  destroy(now: number): Action[] {
    const out: Action[] = [{ do: "cancel", timer: "backoff" }];
    if (!this.#running) {
      if (this.#state !== "stopped" || this.#resting) {
        this.#resting = false;
        this.#setState(now, "stopped");
        out.push({ do: "emit", event: { type: "destroyed", name: this.name } });
      }
      return [...out, { do: "settled" }];
    }
    if (this.#goingDown()) {
      this.#afterStop = "destroy";
      return out;
    }
    return [...out, ...this.#stop(now, "destroy")];
  }

  /** The process is gone (or could not start: code and signal null). */
  exited(now: number, code: number | null, signal: string | null): Action[] {
    this.#running = false;
    this.#pid = undefined;
    this.#lastExit = { code, signal, at: now };
    const out: Action[] = [
      { do: "cancel", timer: "kill" },
      { do: "cancel", timer: "heartbeat" },
      { do: "cancel", timer: "accepting" },
      ...(this.startMs > 0 ? [{ do: "cancel", timer: "started" } as const] : []),
    ];
    const after = this.#afterStop;
    this.#afterStop = undefined;
    if (after === "destroy") {
      this.#setState(now, "stopped");
      return [...out, { do: "emit", event: { type: "destroyed", name: this.name } }, { do: "settled" }];
    }
    if (after === "restart") return [...out, ...this.#launch(now)];
    if (after === "rest") {
      this.#resting = true;
      this.#setState(now, "stopped");
      return out;
    }
    this.#restarts++;
    this.#setState(now, "backoff");
    return [
      ...out,
      { do: "emit", event: { type: "exited", name: this.name, code, signal } },
      { do: "timer", timer: "backoff", ms: this.#throttle.exited(now) },
    ];
  }

  /** A timer fired. */
  timer(now: number, timer: TimerName): Action[] {
    if (timer === "backoff") return this.#launch(now);
    if (timer === "started") return this.#running ? this.#ready(now) : [];
    if (timer === "accepting") {
      this.#lateAccepting = false;
      return this.#deferredReload(now);
    }
    return this.#running ? [{ do: "kill_group", why: timer === "kill" ? "stop_timeout" : "heartbeat" }] : [];
  }

  /** Stopping, whether asked to or because it is unhealthy. */
  #goingDown(): boolean {
    return this.#state === "stopping" || this.#state === "unhealthy";
  }

  #setState(now: number, s: VassalState): void {
    this.#state = s;
    this.#since = now;
  }

  #launch(now: number): Action[] {
    this.#setState(now, "starting");
    this.#running = true;
    this.#reloadAgain = false;
    this.#lateAccepting = false;
    this.#throttle.started(now);
    return [{ do: "launch" }];
  }

  #sendReload(now: number): Action[] {
    this.#setState(now, "reloading");
    return [{ do: "send", byte: 1 }];
  }

  #ready(now: number): Action[] {
    if (this.#state !== "starting" && this.#state !== "reloading") return [];
    const out: Action[] = [];
    if (!this.#announced) {
      this.#announced = true;
      out.push({ do: "emit", event: { type: "spawned", name: this.name, pid: this.#pid ?? -1 } });
      if (!this.#reloadAgain) this.#reloadPending = false;
    }
    if (this.#reloadAgain && !this.#lateAccepting) {
      this.#reloadAgain = false;
      return [...out, ...this.#sendReload(now)];
    }
    this.#setState(now, "running");
    if (out.length === 0 && this.#reloadPending && !this.#reloadAgain) {
      this.#reloadPending = false;
      out.push({ do: "emit", event: { type: "reloaded", name: this.name } });
    }
    return out;
  }

  /** A reload held back until byte 5 (or the wait for it ended) is sent now. */
  #deferredReload(now: number): Action[] {
    if (!this.#reloadAgain || this.#state !== "running") return [];
    this.#reloadAgain = false;
    return this.#sendReload(now);
  }

  #stop(now: number, after: "restart" | "destroy" | "rest"): Action[] {
    if (!this.#running) return [];
    this.#afterStop = after;
    this.#setState(now, "stopping");
    const graceful: Action = this.config.kind === "uwsgi" ? { do: "send", byte: 0 } : { do: "signal", signal: this.config.stopSignal };
    return [graceful, { do: "timer", timer: "kill", ms: this.config.stopTimeout * 1000 }];
  }
}
