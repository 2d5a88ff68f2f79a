/**
 * A vassal's life on its emperor as one pure transition table: phase + facts + input → next
 * phase + actions + new facts (a rule never changes the facts it is given). `VassalMachine` (vassal_machine.ts) holds the phase and the facts;
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
 *                   │                 └─exited (lone emperor)─► backoff, or failed at its bound
 *                   ├──reload, update── failed
 *                   └──reload── resting ◄──exited── shutting ◄── byte 22 (it asks to stop)
 *  any phase ──destroy──► destroying ──exited──► stopped   (no process: stopped at once)
 * ```
 * Restarts for a failing check: under zeus (`unhealthyBound` unset) the vassal starts again
 * at once and zeus moves the copy past its `--reschedule-after`; a lone emperor waits the
 * throttle's doubling delay for the streak of such restarts (1 s, 2 s, 4 s ... 180 s), and at
 * `unhealthyBound` in a row the vassal is `failed` (no process) until its file changes or it
 * is restarted. A passing check (`healthy`) ends the streak.
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

const go = (f: VassalFacts, next: Phase, actions: Action[] = []): VassalStep => ({ next, actions, facts: f });
const keep = (f: VassalFacts, phase: Phase, actions: Action[] = []): VassalStep => ({ next: phase, actions, keepSince: true, facts: f });
const stay = (f: VassalFacts, _i: unknown, _now: number, phase: Phase): VassalStep => keep(f, phase);
const then = (a: Action[], s: VassalStep): VassalStep => ({ ...s, actions: [...a, ...s.actions] });

function launch(f: VassalFacts, now: number): VassalStep {
  return go({ ...f, reloadAgain: false, lateAccepting: false, throttle: f.throttle.started(now) }, "starting", [{ do: "launch" }]);
}

/** Graceful stop (byte 0 or the stop signal), SIGKILL after stop_timeout; `next` says what follows the exit. */
function stop(f: VassalFacts, next: "restarting" | "unhealthy" | "destroying" | "shutting"): VassalStep {
  const graceful: Action = f.config.kind === "uwsgi" ? { do: "send", byte: 0 } : { do: "signal", signal: f.config.stopSignal };
  return go(f, next, [graceful, { do: "timer", timer: "kill", ms: f.config.stopTimeout * 1000 }]);
}

const sendReload = (f: VassalFacts): VassalStep => go(f, "reloading", [{ do: "send", byte: 1 }]);

/** It is ready (plain: started; uWSGI: byte 1 or 5): announce, send a queued reload, or say a reload is done. */
function ready(f: VassalFacts, phase: Phase): VassalStep {
  if (phase !== "starting" && phase !== "reloading") return keep(f, phase);
  const out: Action[] = [];
  let g = f;
  if (!g.announced) {
    out.push({ do: "emit", event: { type: "spawned", name: g.name, pid: g.pid ?? -1 } });
    g = { ...g, announced: true, reloadPending: g.reloadAgain && g.reloadPending };
  }
  if (g.reloadAgain && !g.lateAccepting) return then(out, sendReload({ ...g, reloadAgain: false }));
  if (out.length === 0 && g.reloadPending && !g.reloadAgain) {
    g = { ...g, reloadPending: false };
    out.push({ do: "emit", event: { type: "reloaded", name: g.name } });
  }
  return go(g, "running", out);
}

/** A reload held back until byte 5 (or the wait for it ended) is sent now. */
function deferredReload(f: VassalFacts, phase: Phase): VassalStep {
  if (!f.reloadAgain || phase !== "running") return keep(f, phase);
  return sendReload({ ...f, reloadAgain: false });
}

/** Reload by its rule, with a process: uWSGI gets byte 1; plain ones get their signal or are restarted. */
const reloadLive: Rule<"reload"> = (f, _i, _now, phase) => {
  const pending = { ...f, reloadPending: true };
  if (f.config.kind === "uwsgi") {
    // A second byte 1 in the middle of a reload can leave uWSGI half-reloaded, and one sent
    // before this exec's byte 5 would make that 5 ambiguous: queue it.
    if (phase === "starting" || phase === "reloading" || f.lateAccepting) return keep({ ...pending, reloadAgain: true }, phase);
    return sendReload(pending);
  }
  if (f.config.reload.kind === "signal") {
    return keep({ ...f, reloadPending: false }, phase, [
      { do: "signal", signal: f.config.reload.signal },
      { do: "emit", event: { type: "reloaded", name: f.name } },
    ]);
  }
  return stop(pending, "restarting");
};

/** Without a process (not yet started, or waiting out its restart delay): start now. */
const reloadIdle: Rule<"reload"> = (f, _i, now) => then([{ do: "cancel", timer: "backoff" }], launch({ ...f, reloadPending: true }, now));

/** A new config, then a reload by the phase's row; a plain vassal whose process changed restarts. */
const update: Rule<"update"> = (f, input, now, phase) => {
  const old = f.config;
  const g = { ...f, config: input.config };
  if (old.kind === "plain" && input.config.kind === "plain" && HAS_PROCESS.has(phase) && !sameProcess(old, input.config)) {
    if (phase !== "starting" && phase !== "running" && phase !== "reloading") return keep(g, phase); // the stop under way starts the new config
    return stop({ ...g, reloadPending: true }, "restarting");
  }
  return VASSAL_TABLE[phase].reload!(g, { kind: "reload" }, now, phase);
};

/** A plain vassal's start grace: its own `start_grace`, else the emperor's default. */
const startGraceMs = (f: VassalFacts): number =>
  f.config.kind === "plain" && f.config.startGrace !== undefined ? Math.round(f.config.startGrace * 1000) : f.startMs;

/** The facts once the process is gone, and the timers of its life to cancel. */
const exitCleanup = (
  f: VassalFacts,
  input: Extract<VassalInput, { kind: "exited" }>,
  now: number,
): { facts: VassalFacts; actions: Action[] } => ({
  facts: {
    ...f,
    pid: undefined,
    lastExit: { code: input.code, signal: input.signal, at: now, ...(input.line ? { line: input.line } : {}) },
  },
  actions: [
    { do: "cancel", timer: "kill" },
    { do: "cancel", timer: "heartbeat" },
    { do: "cancel", timer: "accepting" },
    // An update may have changed the grace since the timer was set: cancel whenever one may run.
    ...(f.startMs > 0 || (f.config.kind === "plain" && f.config.startGrace !== undefined)
      ? [{ do: "cancel", timer: "started" } as const]
      : []),
  ],
});

/** Died on its own: count it and wait out the throttle's delay. */
const crashed: Rule<"exited"> = (f, input, now) => {
  const gone = exitCleanup(f, input, now);
  const { throttle, delayMs } = f.throttle.exited(now);
  return go({ ...gone.facts, restarts: f.restarts + 1, throttle }, "backoff", [
    ...gone.actions,
    { do: "emit", event: { type: "exited", name: f.name, code: input.code, signal: input.signal } },
    { do: "timer", timer: "backoff", ms: delayMs },
  ]);
};
const restarted: Rule<"exited"> = (f, input, now) => {
  const gone = exitCleanup(f, input, now);
  return then(gone.actions, launch(gone.facts, now));
};

/** Stopped for a failing check: at once under zeus; a lone emperor waits its delay, or gives up at its bound. */
const unhealthyExit: Rule<"exited"> = (f, input, now, phase) => {
  if (f.unhealthyBound === undefined) return restarted(f, input, now, phase);
  const gone = exitCleanup(f, input, now);
  const streak = f.unhealthyStreak + 1;
  const g = { ...gone.facts, unhealthyStreak: streak };
  if (f.unhealthyBound > 0 && streak >= f.unhealthyBound) {
    return go(g, "failed", [...gone.actions, { do: "emit", event: { type: "failed", name: f.name, why: failedWhy(streak) } }]);
  }
  return go(g, "backoff", [...gone.actions, { do: "timer", timer: "backoff", ms: f.throttle.delay(streak) }]);
};

/**
 * Why a lone emperor stopped restarting a vassal.
 *
 * @example
 * ```ts
 * failedWhy(3); // "unhealthy 3 times in a row"
 * ```
 */
export const failedWhy = (streak: number): string => `unhealthy ${streak} times in a row`;

/** A passing check ends the streak of restarts for failing ones. */
const healthy: Rule<"healthy"> = (f, _i, _now, phase) => keep(f.unhealthyStreak === 0 ? f : { ...f, unhealthyStreak: 0 }, phase);

/** The rows every phase with a process shares. */
const live: Row = {
  started: (f, input, _now, phase) => {
    const g = { ...f, pid: input.pid };
    if (g.config.kind !== "plain") return keep(g, phase);
    // A command that cannot run dies within milliseconds: with a start grace it never reads running.
    const grace = startGraceMs(g);
    return grace > 0 ? keep(g, phase, [{ do: "timer", timer: "started", ms: grace }]) : ready(g, phase);
  },
  started_timer: (f, _i, _now, phase) => (f.config.kind === "plain" ? ready(f, phase) : keep(f, phase)),
  byte_spawned: (f, _i, _now, phase) => {
    if (phase !== "starting" && phase !== "reloading") return ready(f, phase);
    return then([{ do: "timer", timer: "accepting", ms: ACCEPTING_WAIT_MS }], ready({ ...f, lateAccepting: true }, phase));
  },
  byte_accepting: (f, _i, _now, phase) => {
    if (!f.lateAccepting) return ready(f, phase);
    return then([{ do: "cancel", timer: "accepting" }], deferredReload({ ...f, lateAccepting: false }, phase));
  },
  heartbeat: (f, _i, _now, phase) => keep(f, phase, [{ do: "timer", timer: "heartbeat", ms: HEARTBEAT_DEADLINE_MS }]),
  voluntary_shutdown: stay,
  byte_other: stay,
  reload: stay,
  update,
  unhealthy: stay,
  healthy,
  // Already stopping: the exit under way now ends in `stopped`.
  destroy: (f) => ({ next: "destroying", actions: [{ do: "cancel", timer: "backoff" }], keepSince: true, facts: f }),
  exited: crashed,
  kill_timer: (f, _i, _now, phase) => keep(f, phase, [{ do: "kill_group", why: "stop_timeout" }]),
  heartbeat_timer: (f, _i, _now, phase) => keep(f, phase, [{ do: "kill_group", why: "heartbeat" }]),
  accepting_timer: (f, _i, _now, phase) => deferredReload({ ...f, lateAccepting: false }, phase),
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
  healthy,
  destroy: (f) =>
    go(f, "stopped", [{ do: "cancel", timer: "backoff" }, { do: "emit", event: { type: "destroyed", name: f.name } }, { do: "settled" }]),
  kill_timer: stay,
  heartbeat_timer: stay,
  accepting_timer: stay,
  started_timer: stay,
};

/** The table: a phase's row maps each input it expects to its transition. */
export const VASSAL_TABLE: Readonly<Record<Phase, Row>> = {
  new: { ...idle, start: (f, _i, now) => launch(f, now), reload: reloadIdle },
  starting: up,
  running: { ...up, unhealthy: (f) => stop({ ...f, restarts: f.restarts + 1 }, "unhealthy") },
  reloading: up,
  restarting: { ...live, exited: restarted },
  unhealthy: { ...live, exited: unhealthyExit },
  destroying: {
    ...live,
    exited: (f, input, now) => {
      const gone = exitCleanup(f, input, now);
      return go(gone.facts, "stopped", [...gone.actions, { do: "emit", event: { type: "destroyed", name: f.name } }, { do: "settled" }]);
    },
  },
  shutting: {
    ...live,
    exited: (f, input, now) => {
      const gone = exitCleanup(f, input, now);
      return go(gone.facts, "resting", gone.actions);
    },
  },
  backoff: { ...idle, reload: reloadIdle, backoff_timer: (f, _i, now) => launch(f, now) },
  resting: { ...idle, reload: (f, _i, now) => launch({ ...f, reloadPending: true }, now) },
  failed: { ...idle, reload: (f, _i, now) => launch({ ...f, reloadPending: true, unhealthyStreak: 0 }, now) },
  stopped: { ...idle, destroy: (f) => keep(f, "stopped", [{ do: "cancel", timer: "backoff" }, { do: "settled" }]) },
};

/**
 * The transition of a vassal in `phase` on `input`: the next phase, the actions, and the
 * new facts (`f` itself is never changed). An input the phase does not expect changes
 * nothing and gives one `unexpected` action.
 *
 * @example
 * ```ts
 * declare const facts: VassalFacts;
 * const step = vassalStep(facts, "new", { kind: "start" }, Date.now());
 * // { next: "starting", actions: [{ do: "launch" }], facts: { ...facts, throttle: (started now) } }
 * ```
 */
export function vassalStep(f: VassalFacts, phase: Phase, input: VassalInput, now: number): VassalStep {
  const rule = VASSAL_TABLE[phase][input.kind] as Rule<VassalInputKind> | undefined;
  if (!rule) return keep(f, phase, [{ do: "unexpected", input: input.kind, phase }]);
  return rule(f, input as never, now, phase);
}
