/**
 * A vassal's life as a pure state machine: inputs (started, bytes from uWSGI, exited,
 * reload, update, destroy, timers firing) in, actions (launch, send a byte, signal, set a
 * timer, emit an event) out. The transitions are the table in vassal_lifecycle.ts; this
 * class holds the phase and the facts. No processes, sockets or timers inside: `vassal.ts`
 * carries the actions out.
 *
 * @module
 */
import type { VassalMessage } from "./emperor_protocol.ts";
import { Throttle } from "./throttle.ts";
import type { VassalStatus } from "./types.ts";
import { failedWhy, vassalStep } from "./vassal_lifecycle.ts";
import { type Action, type Phase, PUBLIC_STATE, type TimerName, type VassalFacts, type VassalInput } from "./vassal_phases.ts";
import type { VassalConfig } from "../vassal/mod.ts";

export { ACCEPTING_WAIT_MS, type Action, HEARTBEAT_DEADLINE_MS, type TimerName } from "./vassal_phases.ts";
export { sameProcess } from "./vassal_lifecycle.ts";

const TIMER_INPUT = {
  backoff: "backoff_timer",
  kill: "kill_timer",
  heartbeat: "heartbeat_timer",
  accepting: "accepting_timer",
  started: "started_timer",
} as const satisfies Record<TimerName, VassalInput["kind"]>;

function byteInput(m: VassalMessage): VassalInput {
  if (m === "spawned") return { kind: "byte_spawned" };
  if (m === "accepting") return { kind: "byte_accepting" };
  if (m === "heartbeat" || m === "voluntary_shutdown") return { kind: m };
  return { kind: "byte_other" };
}

/**
 * One vassal's state; every method takes the time and returns the actions to carry out.
 *
 * @example
 * ```ts
 * declare const config: VassalConfig;
 * const m = new VassalMachine("web.toml", config, Date.now());
 * m.start(Date.now()); // [{ do: "launch" }]
 * m.started(Date.now(), 4242); // [{ do: "emit", event: { type: "spawned", name: "web.toml", pid: 4242 } }]
 * ```
 */
export class VassalMachine {
  #phase: Phase = "new";
  #since: number;
  #facts: VassalFacts;

  /**
   * @param startMs a plain vassal is running once it has stayed up this long (supervisord's
   *   startsecs); 0: at once
   * @param unhealthyBound a lone emperor's bound on restarts for a failing check (each waits
   *   the throttle's delay; at this many in a row it is `failed`; 0: never); unset: restart at once
   */
  constructor(name: string, config: VassalConfig, now: number, startMs = 0, unhealthyBound?: number) {
    this.#since = now;
    this.#facts = {
      name,
      config,
      pid: undefined,
      restarts: 0,
      lastExit: undefined,
      throttle: new Throttle(),
      announced: false,
      reloadPending: false,
      reloadAgain: false,
      lateAccepting: false,
      startMs,
      unhealthyStreak: 0,
      unhealthyBound,
    };
  }

  /** The vassal's name. */
  get name(): string {
    return this.#facts.name;
  }

  /** The config it runs (the newest one given). */
  get config(): VassalConfig {
    return this.#facts.config;
  }

  /** Where it is in its life (finer than `status().state`). */
  get phase(): Phase {
    return this.#phase;
  }

  /** Where it stands, for `/status`. */
  status(): VassalStatus {
    const f = this.#facts;
    const state = PUBLIC_STATE[this.#phase];
    const s: VassalStatus = { name: f.name, kind: f.config.kind, state, restarts: f.restarts, since: this.#since };
    if (f.pid !== undefined) s.pid = f.pid;
    if (f.lastExit) s.lastExit = f.lastExit;
    if (state === "backoff") s.streak = f.throttle.streak;
    if (f.unhealthyStreak > 0) s.unhealthyRestarts = f.unhealthyStreak;
    if (state === "failed") s.failed = failedWhy(f.unhealthyStreak);
    return s;
  }

  /** The first start. */
  start(now: number): Action[] {
    return this.#feed(now, { kind: "start" });
  }

  /** The process is started with `pid`: a plain vassal is running now, a uWSGI one when it says so. */
  started(now: number, pid: number): Action[] {
    return this.#feed(now, { kind: "started", pid });
  }

  /** Messages read from a uWSGI vassal's emperor socket, one input each. */
  bytes(now: number, messages: readonly VassalMessage[]): Action[] {
    return messages.flatMap((m) => this.#feed(now, byteInput(m)));
  }

  /** Reload by its rule: uWSGI gets byte 1; plain ones get their signal or are restarted. */
  reload(now: number): Action[] {
    return this.#feed(now, { kind: "reload" });
  }

  /** A new config (already stored), then a reload; a plain vassal whose process changed restarts. */
  update(now: number, config: VassalConfig): Action[] {
    return this.#feed(now, { kind: "update", config });
  }

  /** Its health check failed `check_failures` times in a row: restart it (`unhealthy` until it is gone). */
  unhealthy(now: number): Action[] {
    return this.#feed(now, { kind: "unhealthy" });
  }

  /** Its health check passed: the streak of restarts for failing ones ends. */
  healthy(now: number): Action[] {
    return this.#feed(now, { kind: "healthy" });
  }

  /** Stop for good: graceful stop, SIGKILL after stop_timeout, then `destroyed` and `settled`. */
  destroy(now: number): Action[] {
    return this.#feed(now, { kind: "destroy" });
  }

  /** The process is gone (or could not start: code and signal null); `line`: the last it wrote to stderr. */
  exited(now: number, code: number | null, signal: string | null, line?: string): Action[] {
    return this.#feed(now, { kind: "exited", code, signal, ...(line ? { line } : {}) });
  }

  /** A timer fired. */
  timer(now: number, timer: TimerName): Action[] {
    return this.#feed(now, { kind: TIMER_INPUT[timer] });
  }

  #feed(now: number, input: VassalInput): Action[] {
    const step = vassalStep(this.#facts, this.#phase, input, now);
    this.#facts = step.facts;
    if (!step.keepSince) this.#since = now;
    this.#phase = step.next;
    return step.actions;
  }
}
