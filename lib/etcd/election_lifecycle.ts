/**
 * The life of one candidate in a leader election, as one pure transition table: state +
 * event → next state + actions. election.ts feeds it what etcd and the lease deadline say
 * and carries out the actions; nothing here calls etcd or reads a clock.
 *
 * ```text
 *   idle ──start──► standby ──won (leader key created, lease proven)──► leader
 *                      ▲                                                   │
 *                      └──── lost (lease expired or unproven, a refused ◄──┘
 *                                  guarded write: step down)
 *   any ──stop──► stopped (a leader revokes its lease: a standby takes over at once)
 * ```
 *
 * A standby keeps campaigning; a leader keeps renewing. An answer that arrives after the stop
 * (a campaign won, a lease lost) finds the candidate stopped and changes nothing.
 *
 * An event a state has no row for is a bug of the election: {@link electionStep} returns
 * undefined and the election logs it and changes nothing.
 *
 * @module
 */

/** Every state of a candidate, in the order of its life. */
export const ELECTION_STATES = ["idle", "standby", "leader", "stopped"] as const;

/** Where a candidate stands. */
export type ElectionState = (typeof ELECTION_STATES)[number];

/** What happens to a candidate. */
export type ElectionEvent =
  | { kind: "start" }
  /** Its transaction created the leader key on its live lease (or found it still there). */
  | { kind: "won" }
  /** It can no longer prove its lease, etcd ended it, or a guarded write was refused. */
  | { kind: "lost"; why: string }
  | { kind: "stop" };

/** An event's kind. */
export type ElectionEventKind = ElectionEvent["kind"];

/** Every event kind, for exhaustive tests. */
export const ELECTION_EVENT_KINDS: readonly ElectionEventKind[] = ["start", "won", "lost", "stop"];

/** What the election does on a transition, in order. */
export type ElectionAction =
  /** Start the loop: keep a lease, campaign while standing by, renew while leading. */
  | { do: "campaign" }
  /** Act as leader: arm the deadline's expiry, tell the listener. */
  | { do: "lead" }
  /** Stop acting: disarm the expiry, log why, tell the listener. */
  | { do: "step_down"; why: string }
  /** Stop the loop and timers; revoke the lease. */
  | { do: "halt" };

/** A transition: the next state and the actions, in order. */
export interface ElectionStep {
  next: ElectionState;
  actions: ElectionAction[];
}

type Rows = { [K in ElectionEventKind]?: (e: Extract<ElectionEvent, { kind: K }>) => ElectionStep };

const to = (next: ElectionState, ...actions: ElectionAction[]): ElectionStep => ({ next, actions });
const stay = (state: ElectionState) => () => to(state);
const halt = () => to("stopped", { do: "halt" });

/** The table: for each state, the events it expects. */
export const ELECTION_TABLE: Record<ElectionState, Rows> = {
  idle: { start: () => to("standby", { do: "campaign" }), lost: stay("idle"), stop: halt },
  // A standby's lease may lapse too (etcd restarted, a long pause): it takes a new one.
  standby: { won: () => to("leader", { do: "lead" }), lost: stay("standby"), stop: halt },
  leader: { lost: (e) => to("standby", { do: "step_down", why: e.why }), stop: halt },
  stopped: { won: stay("stopped"), lost: stay("stopped"), stop: stay("stopped") },
};

/**
 * The transition of a candidate in `state` on `event`, or undefined when that state does
 * not expect that event (a bug of the election: log it, change nothing).
 *
 * @example
 * ```ts
 * electionStep("standby", { kind: "won" }); // { next: "leader", actions: [{ do: "lead" }] }
 * electionStep("leader", { kind: "won" }); // undefined: a leader does not campaign
 * ```
 */
export function electionStep(state: ElectionState, event: ElectionEvent): ElectionStep | undefined {
  const on = ELECTION_TABLE[state][event.kind] as ((e: ElectionEvent) => ElectionStep) | undefined;
  return on?.(event);
}
