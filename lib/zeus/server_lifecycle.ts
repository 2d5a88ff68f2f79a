/**
 * The life of one zeus process, as one pure transition table: state + event → next state +
 * actions. The server (zeus_server.ts) feeds it what the election and the store say and
 * carries out the actions; nothing here sends, logs or reads a clock.
 *
 * ```text
 *                 elected                 loaded (lease proven)
 *   standby ─────────────► taking-over ─────────────────────► leading
 *      ▲  ▲                  │  │                                │
 *      │  └──deposed─────────┘  │ load-failed (step down)        │ deposed
 *      │  └──loaded (lease lost)┘                                │ (NOT_LEADER to every emperor)
 *      └─────────────────────────────────────────────────────────┘
 *
 *   leading ──stop──► stopping (the state is flushed) ──flushed──► stopped
 *   standby, taking-over ──stop──► stopped
 * ```
 *
 * A single zeus is elected once, at start, and its state (loaded before) comes at once. With
 * several zeus (lib/zeus/ha.ts) the election says `elected` and `deposed`; each term of
 * leadership is a fresh coordinator (leadership_term.ts). A load that ends after the term
 * it was for (deposed meanwhile, or elected again) finds the server elsewhere and is
 * ignored by a row that says so. Once stopped, every event is expected and ignored: the
 * election may still be reporting as it stops.
 *
 * An event a state has no row for is a bug of the server: {@link serverStep} returns
 * undefined and the server logs it and changes nothing.
 *
 * ## Adding a state (e.g. `draining-out` before a planned handover)
 * 1. Add its name to {@link SERVER_STATES}; 2. its row to {@link SERVER_TABLE}, and rows
 * to the states that enter it; 3. new {@link ServerAction}s for new effects (the server's
 * `#act` carries them out); 4. the new cells to tests/zeus/server_lifecycle_test.ts.
 *
 * @module
 */

/** Every state of a zeus process, in the order of its life. */
export const SERVER_STATES = ["standby", "taking-over", "leading", "stopping", "stopped"] as const;

/**
 * Where a zeus stands: not leading ("standby"), elected and loading the state ("taking-over"),
 * leading a term ("leading"), saving its state before it stops ("stopping"), or "stopped".
 */
export type ServerState = (typeof SERVER_STATES)[number];

/** What happens to a zeus. */
export type ServerEvent =
  /** The election made it leader (a single zeus: at start). */
  | { kind: "elected" }
  /** The state for the term was read and the term built from it; `canAct`: the lease is still proven. */
  | { kind: "loaded"; canAct: boolean }
  /** The state could not be read. */
  | { kind: "load-failed"; why: string }
  /** Another zeus leads, or this one could not prove its lease. */
  | { kind: "deposed" }
  /** `stop()`. */
  | { kind: "stop" }
  /** The last state is saved. */
  | { kind: "flushed" };

/** An event's kind. */
export type ServerEventKind = ServerEvent["kind"];

/** Every event kind, for exhaustive tests. */
export const SERVER_EVENT_KINDS: readonly ServerEventKind[] = ["elected", "loaded", "load-failed", "deposed", "stop", "flushed"];

/** What the server does on a transition, in order. */
export type ServerAction =
  /** Read the saved state (then `loaded` or `load-failed`). */
  | { do: "load_state" }
  /** Start a term: a fresh coordinator from the state just read, fed the vassal files. */
  | { do: "begin_term" }
  /** End the term: NOT_LEADER to every emperor, close them, forget the coordinator. */
  | { do: "end_term" }
  /** Tell the election to give up leadership. */
  | { do: "step_down"; why: string }
  /** Save what is pending (then `flushed`). */
  | { do: "flush" }
  /** Stop listening, watching, ticking and campaigning. */
  | { do: "shut_down" };

/** A transition: the next state and the actions, in order. */
export interface ServerStep {
  next: ServerState;
  actions: ServerAction[];
}

type Rows = { [K in ServerEventKind]?: (e: Extract<ServerEvent, { kind: K }>) => ServerStep };

const to = (next: ServerState, ...actions: ServerAction[]): ServerStep => ({ next, actions });
const stay = (state: ServerState) => () => to(state);

/** The table: for each state, the events it expects. */
export const SERVER_TABLE: Record<ServerState, Rows> = {
  standby: {
    elected: () => to("taking-over", { do: "load_state" }),
    // The load of a term that ended before it began.
    loaded: stay("standby"),
    "load-failed": stay("standby"),
    deposed: stay("standby"),
    stop: () => to("stopped", { do: "shut_down" }),
  },
  "taking-over": {
    elected: stay("taking-over"),
    loaded: (e) => (e.canAct ? to("leading", { do: "begin_term" }) : to("standby")),
    "load-failed": (e) => to("standby", { do: "step_down", why: e.why }),
    deposed: () => to("standby"),
    stop: () => to("stopped", { do: "shut_down" }),
  },
  leading: {
    elected: stay("leading"),
    // A second load (elected, deposed and elected again) that ends after the first began the term.
    loaded: stay("leading"),
    "load-failed": stay("leading"),
    deposed: () => to("standby", { do: "end_term" }),
    stop: () => to("stopping", { do: "flush" }),
  },
  // The term goes on while its state is saved: emperors lost meanwhile are still lost. Deposed
  // now, it can no longer act (every action checks the lease), and its emperors go at the stop.
  stopping: {
    elected: stay("stopping"),
    loaded: stay("stopping"),
    "load-failed": stay("stopping"),
    deposed: stay("stopping"),
    stop: stay("stopping"),
    flushed: () => to("stopped", { do: "shut_down" }),
  },
  stopped: {
    elected: stay("stopped"),
    loaded: stay("stopped"),
    "load-failed": stay("stopped"),
    deposed: stay("stopped"),
    stop: stay("stopped"),
  },
};

/**
 * The transition of a zeus in `state` on `event`, or undefined when that state does not
 * expect that event (a bug of the server: log it, change nothing).
 *
 * @example
 * ```ts
 * serverStep("standby", { kind: "elected" }); // { next: "taking-over", actions: [{ do: "load_state" }] }
 * serverStep("standby", { kind: "flushed" }); // undefined
 * ```
 */
export function serverStep(state: ServerState, event: ServerEvent): ServerStep | undefined {
  const on = SERVER_TABLE[state][event.kind] as ((e: ServerEvent) => ServerStep) | undefined;
  return on?.(event);
}
