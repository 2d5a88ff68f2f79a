/**
 * The life of one copy of a vassal on one emperor, as one pure transition table:
 * state + event → next state + actions. The coordinator feeds it the emperor's answers,
 * the directory's changes and its own decisions, and carries out the actions; nothing
 * here sends, logs or reads a clock.
 *
 * ```text
 *   (placed) ──► offered ──accepted──► accepted ──spawned──► running ◄──confirmed── restored
 *                   │                     │                  │    ▲                (state file)
 *                   │ rejected, timeout   │ changed          │    │ spawned, reloaded
 *                   ▼                     ▼                  │    │
 *                 (gone) ◄─────────── updating ◄──changed────┤    │
 *                   ▲                     └───reloaded───────┼────┘
 *                   │                                        │ touched
 *                   │                  reloading ◄───────────┘  ──reloaded──► running
 *                   │
 *   from any state: lost (emperor gone, or its report lacks the copy) → gone
 *                   removed (zeus destroys it: file removed, extra copy) → gone + VASSAL_DESTROY
 *                   rejected → gone (+ VASSAL_DESTROY once the emperor may run it)
 *   (adopted) ──► running: a copy an emperor reports that zeus lacks
 *
 *   The truth (VASSAL_STATE), drains and moves:
 *
 *   running ──reported backoff──► backoff ──reported ok, spawned──► running
 *      │    ──reported unhealthy─► unhealthy ─────────┘
 *      │    ──reported halted───► stopped (uWSGI asked to stop; runs again on reload/update)
 *      │    from any of these, reported exhausted (failing past the bound) → gone + VASSAL_DESTROY,
 *      │    and the vassal is rescheduled elsewhere (a bounded number of times, then failed)
 *      └──drain──► moving ──replaced (a new copy elsewhere runs, healthy)──► gone + VASSAL_DESTROY
 *                     └──undrain──► running (or what its emperor last reported: backoff, ...)
 *   (a moving copy is saved as such: `--restore` brings it back moving, not restored)
 * ```
 *
 * "gone" is not a state: the copy is taken off its emperor and, if still wanted, placed
 * again. A destroy in flight is the emperor's (`EmperorRecord.destroying`), not the copy's:
 * a new copy may already stand where the old one is being destroyed.
 *
 * An event a state has no row for is a protocol error: {@link copyStep} returns undefined
 * and the coordinator logs it and changes nothing. An event that is expected and has no
 * effect has a row that says so (`stay`).
 *
 * ## Adding a state (e.g. `draining`, `unhealthy`, `rolling`)
 * 1. Add its name to {@link COPY_STATES} (its type follows).
 * 2. Add its row to {@link COPY_TABLE}: one entry per event it expects. Add rows to the
 *    states that enter it (e.g. `running: { drain: ... }`), with a new {@link CopyEvent}
 *    kind when the trigger is new, and new {@link CopyAction}s for new effects (the
 *    coordinator's `#act` carries them out).
 * 3. If it is still being placed (a timeout applies, a running copy elsewhere beats it),
 *    give it a `timeout` row: {@link placing} follows the table.
 * 4. tests/zeus/copy_lifecycle_test.ts lists every state × event: add the new cells.
 *
 * @module
 */

/** Every copy state, in the order of a copy's life; `/status` shows them as they are. */
export const COPY_STATES = [
  "offered",
  "accepted",
  "running",
  "updating",
  "reloading",
  "restored",
  "backoff",
  "unhealthy",
  "stopped",
  "moving",
] as const;

/**
 * Where one copy stands: NEW_VASSAL sent ("offered"), config sent ("accepted"), "running",
 * an update or reload in flight, or loaded from the state file and not yet confirmed by the
 * emperor's report ("restored"); as its emperor reports it, waiting out its restart
 * throttle ("backoff"), failing its health check ("unhealthy") or stopped at its own request
 * ("stopped"); being replaced by a copy elsewhere because its emperor drains ("moving").
 */
export type CopyState = (typeof COPY_STATES)[number];

/** What happens to a copy. */
export type CopyEvent =
  /** ACCEPTED_VASSAL: the emperor takes the placement and waits for the config. */
  | { kind: "accepted" }
  /** VASSAL_SPAWNED: it runs (first start, or a restart after a crash). */
  | { kind: "spawned"; pid: number; restarts: number }
  /** VASSAL_RELOADED: a reload or update is done. */
  | { kind: "reloaded"; pid: number; restarts: number }
  /** VASSAL_REJECTED. */
  | { kind: "rejected"; reason: string }
  /** The emperor left the placement unanswered too long (it may be stuck). */
  | { kind: "timeout"; reason: string }
  /** VASSAL_DESTROYED that zeus did not ask for: the emperor dropped the copy. */
  | { kind: "destroyed" }
  /** The config's content changed. */
  | { kind: "changed" }
  /** The config was touched (mtime only). */
  | { kind: "touched" }
  /** The emperor's report lists it; `stale` when it runs an older config than zeus has. */
  | { kind: "confirmed"; pid: number; restarts: number; stale: boolean }
  /** Its emperor is gone, did not come back after a restart, or its report lacks the copy. */
  | { kind: "lost" }
  /** Zeus destroys it: the file was removed, or it is one copy too many. */
  | { kind: "removed" }
  /**
   * VASSAL_STATE, judged by the coordinator: running well ("ok"), in backoff, unhealthy,
   * stopped at its own request ("halted"), or failing past the reschedule bound ("exhausted").
   */
  | { kind: "reported"; verdict: Verdict; why: string }
  /** Its emperor drains: move it elsewhere. */
  | { kind: "drain" }
  /** The copy that replaces a moving one runs (healthy, when it has a check). */
  | { kind: "replaced" }
  /**
   * Its emperor is no longer draining; `verdict` judges the emperor's last report of it
   * ("ok" when none), so a copy that died while it moved comes back in backoff, not running.
   */
  | { kind: "undrain"; verdict: Verdict; why: string };

/** What a VASSAL_STATE means for a copy. */
export type Verdict = "ok" | "backoff" | "unhealthy" | "halted" | "exhausted";

/** An event's kind. */
export type CopyEventKind = CopyEvent["kind"];

/** Every event kind, for exhaustive tests. */
export const COPY_EVENT_KINDS: readonly CopyEventKind[] = [
  "accepted",
  "spawned",
  "reloaded",
  "rejected",
  "timeout",
  "destroyed",
  "changed",
  "touched",
  "confirmed",
  "lost",
  "removed",
  "reported",
  "drain",
  "replaced",
  "undrain",
];

/** What the coordinator does for a transition, in order. */
export type CopyAction =
  /** CONFIG_CHUNKs and CONFIG_END; the placement's wait restarts. */
  | { do: "send_config" }
  /** VASSAL_UPDATE, then the config. */
  | { do: "send_update" }
  | { do: "send_reload" }
  /** VASSAL_DESTROY, and wait for its VASSAL_DESTROYED on the emperor. */
  | { do: "send_destroy" }
  /** Keep the pid and restart count the emperor gave. */
  | { do: "record"; pid: number; restarts: number }
  /** First run of a placement: count and log it. */
  | { do: "spawned"; pid: number }
  /** Count the rejection against the vassal (it fails after too many) and avoid this emperor. */
  | { do: "reject"; reason: string }
  /** Take the copy off its emperor; a vassal short of copies is placed again. */
  | { do: "forget" }
  /** It keeps failing there: count it against the vassal (failed past the bound) and avoid this emperor. */
  | { do: "reschedule"; why: string }
  /** Persist the state. */
  | { do: "save" };

/** Where a copy goes: a state, or off its emperor. */
export type CopyNext = CopyState | "gone";

/** One transition's outcome. */
export interface CopyStep {
  next: CopyNext;
  actions: CopyAction[];
}

type Row = { [K in CopyEventKind]?: (e: Extract<CopyEvent, { kind: K }>) => CopyStep };

const to = (next: CopyNext, ...actions: CopyAction[]): CopyStep => ({ next, actions });

const ran = (e: { pid: number; restarts: number }): CopyStep =>
  to("running", { do: "record", pid: e.pid, restarts: e.restarts }, { do: "save" });
const firstRun = (e: { pid: number; restarts: number }): CopyStep =>
  to("running", { do: "spawned", pid: e.pid }, { do: "record", pid: e.pid, restarts: e.restarts }, { do: "save" });
const confirmed = (e: { pid: number; restarts: number; stale: boolean }): CopyStep => {
  const record: CopyAction = { do: "record", pid: e.pid, restarts: e.restarts };
  return e.stale ? to("updating", record, { do: "send_update" }) : to("running", record);
};
const update = (): CopyStep => to("updating", { do: "send_update" });
const lost = (): CopyStep => to("gone", { do: "forget" });
const removed = (): CopyStep => to("gone", { do: "forget" }, { do: "send_destroy" });
/** Refused or unanswered before it ran: the emperor holds nothing that runs. */
const refused = (e: { reason: string }): CopyStep => to("gone", { do: "reject", reason: e.reason }, { do: "forget" });
/** Refused once it may run (or may still start): make sure it does not. */
const refusedLate = (e: { reason: string }): CopyStep =>
  to("gone", { do: "reject", reason: e.reason }, { do: "send_destroy" }, { do: "forget" });

/** Failing past the bound: off this emperor, counted, placed elsewhere. */
const exhausted = (why: string): CopyStep => to("gone", { do: "reschedule", why }, { do: "send_destroy" }, { do: "forget" });

/** What a report makes of a copy that is (or should be) running; `self` stays put when it runs well. */
const judged =
  (self: CopyState) =>
  (e: { verdict: Verdict; why: string }): CopyStep => {
    switch (e.verdict) {
      case "ok":
        return to(self);
      case "backoff":
        return to("backoff");
      case "unhealthy":
        return to("unhealthy");
      case "halted":
        return to("stopped");
      case "exhausted":
        return exhausted(e.why);
    }
  };

/** Leaving a draining emperor: nothing runs there worth waiting for, so it goes at once. */
const drop = (): CopyStep => to("gone", { do: "send_destroy" }, { do: "forget" });

/** Rows shared by the states in which the copy's process runs (or is being changed). */
const live = (self: CopyState): Row => ({
  spawned: ran,
  reloaded: ran,
  rejected: refusedLate,
  destroyed: lost,
  changed: update,
  touched: () => to(self),
  confirmed,
  lost,
  removed,
  reported: judged(self),
  drain: () => to("moving"),
});

/** Rows of a copy its emperor reports in trouble: a good report, a spawn or a reload brings it back. */
const trouble = (self: CopyState): Row => ({
  ...live("running"),
  touched: () => to("reloading", { do: "send_reload" }),
  reported: (e) => (e.verdict === "ok" ? to("running") : judged(self)(e)),
  drain: drop,
});

/** The table: a state's row maps each event it expects to its transition. */
export const COPY_TABLE: Readonly<Record<CopyState, Row>> = {
  offered: {
    accepted: () => to("accepted", { do: "send_config" }),
    spawned: firstRun,
    reloaded: firstRun,
    rejected: refused,
    timeout: refusedLate,
    destroyed: lost,
    // The config goes out when the emperor accepts: it will be the new one.
    changed: () => to("offered"),
    touched: () => to("offered"),
    confirmed,
    lost,
    removed,
    reported: judged("offered"),
    drain: drop,
  },
  accepted: {
    spawned: firstRun,
    reloaded: firstRun,
    rejected: refused,
    timeout: refusedLate,
    destroyed: lost,
    changed: update,
    touched: () => to("accepted"),
    confirmed,
    lost,
    removed,
    reported: judged("accepted"),
    drain: drop,
  },
  running: { ...live("running"), touched: () => to("reloading", { do: "send_reload" }) },
  updating: live("updating"),
  reloading: live("reloading"),
  // Its emperor has not reported since zeus restarted: it sends nothing before its report.
  restored: {
    // Reconciling the report updates a stale copy.
    changed: () => to("restored"),
    touched: () => to("restored"),
    confirmed,
    lost,
    removed,
  },
  backoff: trouble("backoff"),
  unhealthy: trouble("unhealthy"),
  stopped: trouble("stopped"),
  // Its replacement is being started elsewhere; it keeps serving until that one runs.
  moving: {
    spawned: (e) => to("moving", { do: "record", pid: e.pid, restarts: e.restarts }),
    reloaded: (e) => to("moving", { do: "record", pid: e.pid, restarts: e.restarts }),
    rejected: refusedLate,
    destroyed: lost,
    changed: () => to("moving", { do: "send_update" }),
    touched: () => to("moving", { do: "send_reload" }),
    confirmed: (e) =>
      to("moving", { do: "record", pid: e.pid, restarts: e.restarts }, ...(e.stale ? [{ do: "send_update" } as const] : [])),
    lost,
    removed,
    reported: (e) => (e.verdict === "exhausted" ? drop() : to("moving")),
    replaced: drop,
    undrain: judged("running"),
  },
};

/**
 * The transition of a copy in `state` on `event`, or undefined when that state does not
 * expect that event (a protocol error: log it, change nothing).
 *
 * @example
 * ```ts
 * copyStep("offered", { kind: "accepted" }); // { next: "accepted", actions: [{ do: "send_config" }] }
 * copyStep("restored", { kind: "accepted" }); // undefined
 * ```
 */
export function copyStep(state: CopyState, event: CopyEvent): CopyStep | undefined {
  const on = COPY_TABLE[state][event.kind] as ((e: CopyEvent) => CopyStep) | undefined;
  return on?.(event);
}

/**
 * Whether a copy in `state` is still being placed: its emperor's answer may time out, and
 * a running copy elsewhere beats it. Follows the table (states with a `timeout` row).
 *
 * @example
 * ```ts
 * placing("accepted"); // true
 * placing("running"); // false
 * ```
 */
export function placing(state: CopyState): boolean {
  return COPY_TABLE[state].timeout !== undefined;
}
