/**
 * The vocabulary of a vassal's lifecycle (vassal_lifecycle.ts): its phases, the inputs
 * that drive it, the facts its rows read and write, and the actions they return.
 *
 * @module
 */
import type { Throttle } from "./throttle.ts";
import type { SupervisorEvent, VassalState, VassalStatus } from "./types.ts";
import type { VassalConfig } from "../vassal/mod.ts";

/** A uWSGI vassal that sent heartbeats and then none for this long is killed (and restarted), as uWSGI's emperor does. */
export const HEARTBEAT_DEADLINE_MS = 30_000;

/**
 * How long a uWSGI vassal that said "spawned" (1) is given to say "accepting" (5) before a
 * reload is sent anyway: until then a 5 could belong to the boot or to the reload.
 */
export const ACCEPTING_WAIT_MS = 5_000;

/** The machine's timers: restart delay, SIGKILL after stop_timeout, heartbeat deadline, the wait for byte 5, a plain vassal's start grace. */
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
  | { do: "settled" }
  /** An input its phase does not expect: log it as a protocol error; nothing changed. */
  | { do: "unexpected"; input: VassalInputKind; phase: Phase };

/** Every phase of a vassal's life. */
export const PHASES = [
  "new",
  "starting",
  "running",
  "reloading",
  "restarting",
  "unhealthy",
  "destroying",
  "shutting",
  "backoff",
  "resting",
  "failed",
  "stopped",
] as const;

/** Where a vassal is in its life (finer than the public {@link VassalState}). */
export type Phase = (typeof PHASES)[number];

/** What `/status` shows for each phase. */
export const PUBLIC_STATE: Readonly<Record<Phase, VassalState>> = {
  new: "starting",
  starting: "starting",
  running: "running",
  reloading: "reloading",
  restarting: "stopping",
  unhealthy: "unhealthy",
  destroying: "stopping",
  shutting: "stopping",
  backoff: "backoff",
  resting: "stopped",
  failed: "failed",
  stopped: "stopped",
};

/** The phases in which the vassal's process exists. */
export const HAS_PROCESS: ReadonlySet<Phase> = new Set<Phase>([
  "starting",
  "running",
  "reloading",
  "restarting",
  "unhealthy",
  "destroying",
  "shutting",
]);

/** What drives a vassal. */
export type VassalInput =
  | { kind: "start" }
  /** Its process was started with this pid. */
  | { kind: "started"; pid: number }
  /** uWSGI byte 1 ("spawned"). */
  | { kind: "byte_spawned" }
  /** uWSGI byte 5 ("accepting"). */
  | { kind: "byte_accepting" }
  /** uWSGI byte 26. */
  | { kind: "heartbeat" }
  /** uWSGI byte 22: it asks to be stopped. */
  | { kind: "voluntary_shutdown" }
  /** Any other byte (17 "loyal", unknown ones). */
  | { kind: "byte_other" }
  | { kind: "reload" }
  /** A new config, already stored. */
  | { kind: "update"; config: VassalConfig }
  /** Its health check failed too often. */
  | { kind: "unhealthy" }
  /** Its health check passed (after failing, or for the first time). */
  | { kind: "healthy" }
  | { kind: "destroy" }
  /** The process is gone (or could not start: code and signal null). */
  | { kind: "exited"; code: number | null; signal: string | null; line?: string }
  | { kind: "backoff_timer" }
  | { kind: "kill_timer" }
  | { kind: "heartbeat_timer" }
  | { kind: "accepting_timer" }
  /** A plain vassal stayed up its start grace (`startMs`): it is running. */
  | { kind: "started_timer" };

/** An input's kind. */
export type VassalInputKind = VassalInput["kind"];

/** What a vassal's rows read besides the phase; a row returns new facts, never changes these. */
export interface VassalFacts {
  readonly name: string;
  readonly config: VassalConfig;
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly lastExit: VassalStatus["lastExit"];
  readonly throttle: Throttle;
  /** `spawned` was emitted (once per vassal). */
  readonly announced: boolean;
  /** A reload or update asked for: `reloaded` is emitted when it is ready. */
  readonly reloadPending: boolean;
  /** A reload asked for while uWSGI was still starting or reloading: sent once it is ready. */
  readonly reloadAgain: boolean;
  /** Ready came from byte 1, so this exec's byte 5 is still to come and must not end a later reload. */
  readonly lateAccepting: boolean;
  /**
   * The emperor's default start grace: a plain vassal is running once it has stayed up this
   * long (0: at once), so one that dies at once never reads running. Its `start_grace` wins.
   */
  readonly startMs: number;
  /** Restarts for a failing check in a row (reset when a check passes). */
  readonly unhealthyStreak: number;
  /**
   * What follows a restart for a failing check. Undefined (under zeus, which moves the copy
   * past its `--reschedule-after`): start again at once. A number (a lone emperor): wait the
   * throttle's delay for the streak; at this many in a row (0: never) the vassal is `failed`.
   */
  readonly unhealthyBound: number | undefined;
}

/** One transition. `keepSince`: the public state's `since` is not reset (nothing visible changed). */
export interface VassalStep {
  next: Phase;
  actions: Action[];
  keepSince?: boolean;
  /** The facts after the step (the same object when nothing changed). */
  facts: VassalFacts;
}
