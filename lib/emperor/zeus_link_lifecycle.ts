/**
 * The life of the emperor's link to zeus, as one pure transition table: state + event →
 * next state + actions. zeus_link.ts feeds it what the dialler, the connection and the
 * heartbeat timer say, and carries out the actions; nothing here dials, logs or reads a clock.
 *
 * ```text
 *   idle ──start──► connecting ──up──► connected ──closed──────────────────► waiting
 *                      ▲  │                │ not-leader (no leader known),          │
 *                      │  │ dial-failed    │ bad-input, silent                      │
 *                      │  └───────────────►│──────────► leaving ──closed──────────►│
 *                      │                   │ not-leader (a leader named)            │
 *                      │                   └──────────► redirecting ──closed──────►│
 *                      │                                  (to the leader: at once, │
 *                      │                                   or after a backoff)     │
 *                      └──────────────── timer (after the wait) ◄─────────────────┘
 *
 *   any ──stop──► stopped (a dial that completes after it is closed at once)
 * ```
 *
 * "leaving" and "redirecting" wait for the connection zeus or the emperor is closing: what
 * arrives meanwhile is not handled. Vassals keep running in every state: the link is only
 * how zeus hears of them.
 *
 * An event a state has no row for is a bug of the link: {@link linkStep} returns undefined
 * and the link logs it and changes nothing.
 *
 * @module
 */

/** Every state of the link, in the order of its life. */
export const LINK_STATES = ["idle", "connecting", "connected", "leaving", "redirecting", "waiting", "stopped"] as const;

/**
 * Where the link stands: not started ("idle"), dialling ("connecting"), "connected", closing
 * a connection it gave up on ("leaving"), closing a standby's to dial the leader it named
 * ("redirecting"), waiting out a backoff ("waiting"), or "stopped" for good.
 */
export type LinkState = (typeof LINK_STATES)[number];

/** What happens to the link. */
export type LinkEvent =
  | { kind: "start" }
  /** A dial succeeded. */
  | { kind: "up" }
  | { kind: "dial-failed" }
  /** zeus is a standby; `follow`: it named a leader to dial next. */
  | { kind: "not-leader"; follow: boolean }
  /** zeus broke the protocol (the read loop answers ERROR and closes). */
  | { kind: "bad-input" }
  /** zeus said nothing for longer than its ZEUS_ALIVE announced. */
  | { kind: "silent" }
  /** The connection closed; `redialNow`: a redirect that has not gone round every zeus yet. */
  | { kind: "closed"; redialNow: boolean }
  /** The backoff is over. */
  | { kind: "timer" }
  | { kind: "stop" };

/** An event's kind. */
export type LinkEventKind = LinkEvent["kind"];

/** Every event kind, for exhaustive tests. */
export const LINK_EVENT_KINDS: readonly LinkEventKind[] = [
  "start",
  "up",
  "dial-failed",
  "not-leader",
  "bad-input",
  "silent",
  "closed",
  "timer",
  "stop",
];

/** What the link does on a transition, in order. */
export type LinkAction =
  /** Dial the current zeus. */
  | { do: "dial" }
  /** Take the new connection: the session sends I_AM_ALIVE and its report. */
  | { do: "attach" }
  /** Close the connection. */
  | { do: "close" }
  /** Dial again after a backoff; `next`: try the next zeus (when there are several). */
  | { do: "backoff"; next: boolean }
  /** Dial again at once, on the next turn of the event loop (the leader a standby named). */
  | { do: "redial_now" }
  /** Close a connection that came up after the stop. */
  | { do: "drop_late" }
  /** Stop timers and close the connection. */
  | { do: "halt" };

/** A transition: the next state and the actions, in order. */
export interface LinkStep {
  next: LinkState;
  actions: LinkAction[];
}

type Rows = { [K in LinkEventKind]?: (e: Extract<LinkEvent, { kind: K }>) => LinkStep };

const to = (next: LinkState, ...actions: LinkAction[]): LinkStep => ({ next, actions });
const stay = (state: LinkState) => () => to(state);
const halt = () => to("stopped", { do: "halt" });
const backoff = () => to("waiting", { do: "backoff", next: true });

/** The table: for each state, the events it expects. */
export const LINK_TABLE: Record<LinkState, Rows> = {
  idle: { start: () => to("connecting", { do: "dial" }), stop: halt },
  connecting: { up: () => to("connected", { do: "attach" }), "dial-failed": backoff, stop: halt },
  connected: {
    "not-leader": (e) => to(e.follow ? "redirecting" : "leaving", { do: "close" }),
    // The read loop has answered ERROR and is closing it.
    "bad-input": () => to("leaving"),
    silent: () => to("leaving", { do: "close" }),
    closed: backoff,
    stop: halt,
  },
  leaving: { "not-leader": stay("leaving"), "bad-input": stay("leaving"), silent: stay("leaving"), closed: backoff, stop: halt },
  redirecting: {
    "not-leader": stay("redirecting"),
    "bad-input": stay("redirecting"),
    silent: stay("redirecting"),
    // Redirects that went round every zeus without a connection that lasted: back off, on the leader named.
    closed: (e) => to("waiting", e.redialNow ? { do: "redial_now" } : { do: "backoff", next: false }),
    stop: halt,
  },
  waiting: { timer: () => to("connecting", { do: "dial" }), stop: halt },
  stopped: {
    up: () => to("stopped", { do: "drop_late" }),
    "dial-failed": stay("stopped"),
    "not-leader": stay("stopped"),
    "bad-input": stay("stopped"),
    silent: stay("stopped"),
    closed: stay("stopped"),
    timer: stay("stopped"),
    stop: stay("stopped"),
  },
};

/**
 * The transition of the link in `state` on `event`, or undefined when that state does not
 * expect that event (a bug of the link: log it, change nothing).
 *
 * @example
 * ```ts
 * linkStep("connecting", { kind: "up" }); // { next: "connected", actions: [{ do: "attach" }] }
 * linkStep("waiting", { kind: "up" }); // undefined
 * ```
 */
export function linkStep(state: LinkState, event: LinkEvent): LinkStep | undefined {
  const on = LINK_TABLE[state][event.kind] as ((e: LinkEvent) => LinkStep) | undefined;
  return on?.(event);
}

/**
 * How /status names a state: "connected" while a connection stands (even one being left).
 *
 * @example
 * ```ts
 * shownState("redirecting"); // "connected"
 * ```
 */
export function shownState(state: LinkState): "connecting" | "connected" | "waiting" {
  if (state === "connected" || state === "leaving" || state === "redirecting") return "connected";
  return state === "waiting" ? "waiting" : "connecting";
}
