/**
 * What the supervisor reports: vassal states, statuses and events.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { HealthStatus } from "./health.ts";
import type { DepartedPolicy } from "./departed_logs.ts";

/** Where a vassal is in its life. */
export type VassalState = "starting" | "running" | "reloading" | "stopping" | "backoff" | "unhealthy" | "failed" | "stopped";

/** One vassal as `/status` shows it. */
export interface VassalStatus {
  name: string;
  kind: "uwsgi" | "plain";
  state: VassalState;
  pid?: number;
  restarts: number;
  /** The last exit: its code or signal, when, and the last line it wrote to stderr (escaped, bounded). */
  lastExit?: { code: number | null; signal: string | null; at: number; line?: string };
  /** When it entered `state` (ms since the epoch). */
  since: number;
  /** Young deaths in a row (the restart throttle's streak): zeus moves a vassal past a bound. */
  streak?: number;
  /** Restarts for a failing check in a row, when there were some since its check last passed. */
  unhealthyRestarts?: number;
  /** Why it is `failed` (a lone emperor stopped restarting it), in that state only. */
  failed?: string;
  /** Its health check (`check` in its config), when it has one. */
  check?: { target: string } & HealthStatus;
  /** Reloads caused by its `watch` patterns, when it has some. */
  watch?: { patterns: string[]; reloads: number };
}

/** What happened to a vassal, for the CLI's log and for zeus. */
export type SupervisorEvent =
  /** First time ready (uWSGI: byte 5 or 1; plain: started). */
  | { type: "spawned"; name: string; pid: number }
  /** A reload or update is done. */
  | { type: "reloaded"; name: string }
  /** Stopped and reaped after destroy(). */
  | { type: "destroyed"; name: string }
  /** A bad name or a bad config: nothing started (a running vassal keeps its old config). */
  | { type: "rejected"; name: string; reason: string }
  /** Died; it will be restarted after the throttle's delay. */
  | { type: "exited"; name: string; code: number | null; signal: string | null }
  /** Its check failed `check_failures` times in a row: it is restarted. */
  | { type: "unhealthy"; name: string; why: string }
  /** A lone emperor restarted it its bound of times in a row for a failing check: it stays stopped until its file changes or a restart. */
  | { type: "failed"; name: string; why: string };

/** Options of a {@link Supervisor}. */
export interface SupervisorOptions {
  /** Holds vassals/ (configs), logs/ (output) and pids/ (records); nothing is written elsewhere. */
  stateDir: string;
  /** The uWSGI binary; default "uwsgi". */
  vassalBinary?: string;
  onEvent?: (e: SupervisorEvent) => void;
  /** A plain vassal counts as running once it has stayed up this long (default 0: at once). */
  startMs?: number;
  /**
   * A lone emperor's bound on restarts for a failing check: each waits the throttle's
   * doubling delay, and at this many in a row (0: never) the vassal is `failed`. Unset
   * (under zeus, which moves such a copy elsewhere): restart at once.
   */
  unhealthyBound?: number;
  /** Every change of a vassal's state or health (zeus is told each one). */
  onState?: (s: VassalStatus) => void;
  clock?: Clock;
  /** Working directory of uWSGI vassals and default one of plain vassals; default stateDir. */
  workDir?: string;
  /** How long (and how much of) the logs of departed vassals are kept; default 24 h, 1 GB. */
  departed?: DepartedPolicy;
}
