/**
 * A vassal's life on its emperor as one pure transition table: phase + input → next
 * phase + actions. `VassalMachine` (vassal_machine.ts) holds the phase and the facts;
 * `Vassal` (vassal.ts) carries the actions out. No processes, sockets or timers here.
 *
 * ```text
 *  new ──start──► starting ──ready (plain: started, or its start grace passed; uWSGI: byte 1 or 5)──► running
 *                   ▲  │                                                   │  │ ▲
 *                   │  └──────────────── exited ──► backoff ◄── exited ────┘  │ │ ready
 *                   │                                 │                      │ │
 *                   ├────────── backoff_timer, reload ┘            reload (uWSGI: byte 1)
 *                   │                                                         ▼ │
 *                   │                                                      reloading
 *                   ├──exited── restarting ◄── reload, update (plain restart rule) ── running
 *                   ├──exited── unhealthy  ◄── unhealthy (its check failed) ───────── running
 *                   └──reload── resting ◄──exited── shutting ◄── byte 22 (it asks to stop)
 *  any phase ──destroy──► destroying ──exited──► stopped   (no process: stopped at once)
 * ```
 * The public state (`/status`) is `PUBLIC_STATE` of the phase: restarting,
 * destroying and shutting all show as "stopping", resting as "stopped".
 *
 * What is not a phase: the uWSGI reload handshake's memory in `VassalFacts` (vassal_phases.ts)
 * (`reloadPending`: a reload to announce when ready; `reloadAgain`: one queued while
 * uWSGI was busy; `lateAccepting`: byte 5 of this exec still to come), and `announced`.
 *
 * An input a phase has no row for is a protocol error: the step is one `unexpected`
 * action (logged by vassal.ts) and nothing else changes. Inputs that are expected and do
 * nothing (bytes racing the process's exit, a reload while stopping) have `stay` rows.
 *
 * ## Adding a phase (e.g. `draining`, `failed`)
 * 1. In vassal_phases.ts: add it to `PHASES` and its public name to `PUBLIC_STATE` (a new public
 *    name goes into `VassalState` in types.ts); add it to `HAS_PROCESS` if a
 *    process runs in it.
 * 2. Add its row to {@link VASSAL_TABLE}, one entry per input it expects, and the entries
 *    of the phases that lead to it (a new `VassalInput` kind for a new trigger, and
 *    a method on `VassalMachine` that feeds it).
 * 3. tests/emperor/vassal_lifecycle_test.ts checks every phase × input: add its cells.
 *
 * @module
 */
import type { PlainConfig } from "../vassal/mod.ts";
import {
  ACCEPTING_WAIT_MS,
  type Action,
  HAS_PROCESS,
  HEARTBEAT_DEADLINE_MS,
  type Phase,
  type VassalFacts,
  type VassalInput,
  type VassalInputKind,
  type VassalStep,
} from "./vassal_phases.ts";

type Rule<K extends VassalInputKind> = (f: VassalFacts, input: Extract<VassalInput, { kind: K }>, now: number, phase: Phase) => VassalStep;
type Row = { [K in VassalInputKind]?: Rule<K> };

/** True when two plain configs start the same process (so a signal can reload it). */
export function sameProcess(a: PlainConfig, b: PlainConfig): boolean {
  const key = (c: PlainConfig) => JSON.stringify([c.command, c.args, c.env, c.cwd, c.user, c.group]);
  return key(a) === key(b);
}

const go = (next: Phase, actions: Action[] = []): VassalStep => ({ next, actions });
const keep = (phase: Phase, actions: Action[] = []): VassalStep => ({ next: phase, actions, keepSince: true });
const stay = (_f: VassalFacts, _i: unknown, _now: number, phase: Phase): VassalStep => keep(phase);
const then = (a: Action[], s: VassalStep): VassalStep => ({ ...s, actions: [...a, ...s.actions] });

function launch(f: VassalFacts, now: number): VassalStep {
  f.reloadAgain = false;
  f.lateAccepting = false;
  f.throttle.started(now);
  return go("starting", [{ do: "launch" }]);
}

/** Graceful stop (byte 0 or the stop signal), SIGKILL after stop_timeout; `next` says what follows the exit. */
function stop(f: VassalFacts, next: "restarting" | "unhealthy" | "destroying" | "shutting"): VassalStep {
  const graceful: Action = f.config.kind === "uwsgi" ? { do: "send", byte: 0 } : { do: "signal", signal: f.config.stopSignal };
  return go(next, [graceful, { do: "timer", timer: "kill", ms: f.config.stopTimeout * 1000 }]);
}

const sendReload = (): VassalStep => go("reloading", [{ do: "send", byte: 1 }]);

/** It is ready (plain: started; uWSGI: byte 1 or 5): announce, send a queued reload, or say a reload is done. */
function ready(f: VassalFacts, phase: Phase): VassalStep {
  if (phase !== "starting" && phase !== "reloading") return keep(phase);
  const out: Action[] = [];
  if (!f.announced) {
    f.announced = true;
    out.push({ do: "emit", event: { type: "spawned", name: f.name, pid: f.pid ?? -1 } });
    if (!f.reloadAgain) f.reloadPending = false;
  }
  if (f.reloadAgain && !f.lateAccepting) {
    f.reloadAgain = false;
    return then(out, sendReload());
  }
  if (out.length === 0 && f.reloadPending && !f.reloadAgain) {
    f.reloadPending = false;
    out.push({ do: "emit", event: { type: "reloaded", name: f.name } });
  }
  return go("running", out);
}

/** A reload held back until byte 5 (or the wait for it ended) is sent now. */
function deferredReload(f: VassalFacts, phase: Phase): VassalStep {
  if (!f.reloadAgain || phase !== "running") return keep(phase);
  f.reloadAgain = false;
  return sendReload();
}

/** Reload by its rule, with a process: uWSGI gets byte 1; plain ones get their signal or are restarted. */
const reloadLive: Rule<"reload"> = (f, _i, _now, phase) => {
  f.reloadPending = true;
  if (f.config.kind === "uwsgi") {
    // A second byte 1 in the middle of a reload can leave uWSGI half-reloaded, and one sent
    // before this exec's byte 5 would make that 5 ambiguous: queue it.
    if (phase === "starting" || phase === "reloading" || f.lateAccepting) {
      f.reloadAgain = true;
      return keep(phase);
    }
    return sendReload();
  }
  if (f.config.reload.kind === "signal") {
    f.reloadPending = false;
    return keep(phase, [
      { do: "signal", signal: f.config.reload.signal },
      { do: "emit", event: { type: "reloaded", name: f.name } },
    ]);
  }
  return stop(f, "restarting");
};

/** Without a process (not yet started, or waiting out its restart delay): start now. */
const reloadIdle: Rule<"reload"> = (f, _i, now) => {
  f.reloadPending = true;
  return then([{ do: "cancel", timer: "backoff" }], launch(f, now));
};

/** A new config, then a reload by the phase's row; a plain vassal whose process changed restarts. */
const update: Rule<"update"> = (f, input, now, phase) => {
  const old = f.config;
  f.config = input.config;
  if (old.kind === "plain" && input.config.kind === "plain" && HAS_PROCESS.has(phase) && !sameProcess(old, input.config)) {
    if (phase !== "starting" && phase !== "running" && phase !== "reloading") return keep(phase); // the stop under way starts the new config
    f.reloadPending = true;
    return stop(f, "restarting");
  }
  return VASSAL_TABLE[phase].reload!(f, { kind: "reload" }, now, phase);
};

/** A plain vassal's start grace: its own `start_grace`, else the emperor's default. */
const startGraceMs = (f: VassalFacts): number =>
  f.config.kind === "plain" && f.config.startGrace !== undefined ? Math.round(f.config.startGrace * 1000) : f.startMs;

const exitCleanup = (f: VassalFacts, input: Extract<VassalInput, { kind: "exited" }>, now: number): Action[] => {
  f.pid = undefined;
  f.lastExit = { code: input.code, signal: input.signal, at: now };
  return [
    { do: "cancel", timer: "kill" },
    { do: "cancel", timer: "heartbeat" },
    { do: "cancel", timer: "accepting" },
    // An update may have changed the grace since the timer was set: cancel whenever one may run.
    ...(f.startMs > 0 || (f.config.kind === "plain" && f.config.startGrace !== undefined)
      ? [{ do: "cancel", timer: "started" } as const]
      : []),
  ];
};

/** Died on its own: count it and wait out the throttle's delay. */
const crashed: Rule<"exited"> = (f, input, now) => {
  const out = exitCleanup(f, input, now);
  f.restarts++;
  return go("backoff", [
    ...out,
    { do: "emit", event: { type: "exited", name: f.name, code: input.code, signal: input.signal } },
    { do: "timer", timer: "backoff", ms: f.throttle.exited(now) },
  ]);
};
const restarted: Rule<"exited"> = (f, input, now) => then(exitCleanup(f, input, now), launch(f, now));

/** The rows every phase with a process shares. */
const live: Row = {
  started: (f, input, _now, phase) => {
    f.pid = input.pid;
    if (f.config.kind !== "plain") return keep(phase);
    // A command that cannot run dies within milliseconds: with a start grace it never reads running.
    const grace = startGraceMs(f);
    return grace > 0 ? keep(phase, [{ do: "timer", timer: "started", ms: grace }]) : ready(f, phase);
  },
  started_timer: (f, _i, _now, phase) => (f.config.kind === "plain" ? ready(f, phase) : keep(phase)),
  byte_spawned: (f, _i, _now, phase) => {
    if (phase !== "starting" && phase !== "reloading") return ready(f, phase);
    f.lateAccepting = true;
    return then([{ do: "timer", timer: "accepting", ms: ACCEPTING_WAIT_MS }], ready(f, phase));
  },
  byte_accepting: (f, _i, _now, phase) => {
    if (!f.lateAccepting) return ready(f, phase);
    f.lateAccepting = false;
    return then([{ do: "cancel", timer: "accepting" }], deferredReload(f, phase));
  },
  heartbeat: (_f, _i, _now, phase) => keep(phase, [{ do: "timer", timer: "heartbeat", ms: HEARTBEAT_DEADLINE_MS }]),
  voluntary_shutdown: stay,
  byte_other: stay,
  reload: stay,
  update,
  unhealthy: stay,
  // Already stopping: the exit under way now ends in `stopped`.
  destroy: () => ({ next: "destroying", actions: [{ do: "cancel", timer: "backoff" }], keepSince: true }),
  exited: crashed,
  kill_timer: (_f, _i, _now, phase) => keep(phase, [{ do: "kill_group", why: "stop_timeout" }]),
  heartbeat_timer: (_f, _i, _now, phase) => keep(phase, [{ do: "kill_group", why: "heartbeat" }]),
  accepting_timer: (f, _i, _now, phase) => {
    f.lateAccepting = false;
    return deferredReload(f, phase);
  },
};

/** Rows of the phases that are up (starting, running, reloading). */
const up: Row = {
  ...live,
  voluntary_shutdown: (f) => stop(f, "shutting"),
  reload: reloadLive,
  destroy: (f) => then([{ do: "cancel", timer: "backoff" }], stop(f, "destroying")),
};

/** Rows of the phases without a process: bytes and timers racing its exit change nothing. */
const idle: Row = {
  byte_spawned: stay,
  byte_accepting: stay,
  heartbeat: stay,
  voluntary_shutdown: stay,
  byte_other: stay,
  reload: stay,
  update,
  unhealthy: stay,
  destroy: (f) =>
    go("stopped", [{ do: "cancel", timer: "backoff" }, { do: "emit", event: { type: "destroyed", name: f.name } }, { do: "settled" }]),
  kill_timer: stay,
  heartbeat_timer: stay,
  accepting_timer: stay,
  started_timer: stay,
};

/** The table: a phase's row maps each input it expects to its transition. */
export const VASSAL_TABLE: Readonly<Record<Phase, Row>> = {
  new: { ...idle, start: (f, _i, now) => launch(f, now), reload: reloadIdle },
  starting: up,
  running: {
    ...up,
    unhealthy: (f) => {
      f.restarts++;
      return stop(f, "unhealthy");
    },
  },
  reloading: up,
  restarting: { ...live, exited: restarted },
  unhealthy: { ...live, exited: restarted },
  destroying: {
    ...live,
    exited: (f, input, now) =>
      go("stopped", [...exitCleanup(f, input, now), { do: "emit", event: { type: "destroyed", name: f.name } }, { do: "settled" }]),
  },
  shutting: { ...live, exited: (f, input, now) => go("resting", exitCleanup(f, input, now)) },
  backoff: { ...idle, reload: reloadIdle, backoff_timer: (f, _i, now) => launch(f, now) },
  resting: {
    ...idle,
    reload: (f, _i, now) => {
      f.reloadPending = true;
      return launch(f, now);
    },
  },
  stopped: { ...idle, destroy: () => keep("stopped", [{ do: "cancel", timer: "backoff" }, { do: "settled" }]) },
};

/**
 * The transition of a vassal in `phase` on `input`. It may update `f`; an input the phase
 * does not expect changes nothing and gives one `unexpected` action.
 *
 * @example
 * ```ts
 * declare const facts: VassalFacts;
 * vassalStep(facts, "new", { kind: "start" }, Date.now()); // { next: "starting", actions: [{ do: "launch" }] }
 * ```
 */
export function vassalStep(f: VassalFacts, phase: Phase, input: VassalInput, now: number): VassalStep {
  const rule = VASSAL_TABLE[phase][input.kind] as Rule<VassalInputKind> | undefined;
  if (!rule) return keep(phase, [{ do: "unexpected", input: input.kind, phase }]);
  return rule(f, input as never, now, phase);
}
