/**
 * What the coordinator's core is given (its I/O and tunables) and what it counts.
 *
 * @module
 */
import type { ZeusMessage } from "../zeus_protocol/mod.ts";

/** What the core drives. */
export interface CoordinatorIO {
  /**
   * Milliseconds on a clock that only moves forward (lib/clock.ts: `Clock.monotonic`): every
   * heartbeat judgement, timeout and settle time is measured on it, so a step of the system
   * time (NTP, `date -s`) declares no emperor dead.
   */
  now(): number;
  /** Wall-clock milliseconds since the epoch, for what is shown and saved; default: `now()`. */
  wallNow?(): number;
  send(conn: number, m: ZeusMessage): void;
  /** Closes a connection; the core has already forgotten it. */
  close(conn: number, reason: string): void;
  /** Emperors or assignments changed: persist. */
  changed(): void;
  /**
   * Runs `fn` once the burst of events being handled is over (zeus: `setImmediate`). When
   * given, placement is coalesced: a burst of N new files or answers costs one scan of the
   * vassals, not N (N scans of N vassals made 100 000 files O(n²)). Without it (the unit
   * tests' fake io), placement runs at once.
   */
  defer?(fn: () => void): void;
  /**
   * Connections open that have not said who they are yet (zeus: TLS handshakes in progress
   * and strangers): emperors on their way back, for whom the settle time lasts past its
   * minimum (settle_rule.ts). Default: none.
   */
  arriving?(): number;
}

/** Tunables of the core. */
export interface CoordinatorOptions {
  /** An emperor silent for this long is dead. */
  deadAfterMs: number;
  /**
   * After start, nothing is placed for at least this long, so emperors can reconnect and
   * report; longer while emperors of the restored state are still arriving (settle_rule.ts).
   */
  settleMs: number;
  /** Rejections after which a vassal is marked failed (until its config changes). */
  maxRejections: number;
  /**
   * A placement the emperor has not answered (ACCEPTED_VASSAL, then VASSAL_SPAWNED) this
   * long after its last step counts as a rejection: the copy goes elsewhere. Default 60 s.
   */
  placeTimeoutMs?: number;
  /**
   * A copy whose vassal died young this many times in a row, or was restarted this many
   * times for a failing check, moves to another emperor. Default 3.
   */
  rescheduleAfter?: number;
}

/** The coordinator's event counters, for /status and /metrics. */
export interface CoordinatorCounters {
  placed: number;
  spawned: number;
  rejected: number;
  updates: number;
  reloads: number;
  destroyed: number;
  emperors_lost: number;
  adopted: number;
  extras_destroyed: number;
  protocol_errors: number;
  rescheduled: number;
  moved: number;
}

/** How heartbeats are being read (for /status): late reads are zeus's lateness, not the emperors'. */
export interface HeartbeatFigures {
  /** The longest time between two I_AM_ALIVE of one emperor as zeus read them, in ms. */
  max_gap_ms: number;
  /**
   * The longest time between two I_AM_ALIVE of one emperor as judged, in ms: as read, less the
   * time zeus's loop was blocked between them (deaf_clock.ts), what --dead-after is held to.
   */
  max_silence_ms: number;
  /** Time zeus's loop was blocked (read no connection), in ms, all told; not counted as any emperor's silence. */
  deaf_ms: number;
  /** The longest single block, in ms. */
  max_deaf_ms: number;
}

/**
 * Counters at zero.
 *
 * @example
 * ```ts
 * newCoordinatorCounters().placed; // 0
 * ```
 */
export function newCoordinatorCounters(): CoordinatorCounters {
  return {
    placed: 0,
    spawned: 0,
    rejected: 0,
    updates: 0,
    reloads: 0,
    destroyed: 0,
    emperors_lost: 0,
    adopted: 0,
    extras_destroyed: 0,
    protocol_errors: 0,
    rescheduled: 0,
    moved: 0,
  };
}

/** "1 copy", "3 copies": log lines read as sentences. */
export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
