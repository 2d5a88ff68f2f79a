/**
 * The lifecycle of the link a node dials to one peer, as one pure transition table
 * ({@link PeerLink} carries out the actions: sockets and timers stay there).
 *
 * ```
 *             dial                connected              hello
 *   idle ───────────▶ dialing ───────────────▶ greeting ─────────▶ up
 *                      │  ▲                       │                 │
 *           dialFailed │  │ dial (timer, or       │ closed          │ closed
 *                      ▼  │  the peer dialled us) ▼                 │
 *                     waiting ◀───────────────────┴─────────────────┘
 *
 *   stop, from any phase ──▶ stopped (a dial still under way is closed when it connects)
 * ```
 *
 * The state shown in /status ({@link LinkState}) follows: "connecting" until the first
 * outage, "up" from HELLO, "down" from the first failure or close until the next HELLO.
 * Going down is when the node takes over the peer's duty, once per outage.
 *
 * @module
 */

/** Where a link is in its life. */
export type LinkPhase = "idle" | "dialing" | "greeting" | "up" | "waiting" | "stopped";

/** What happens to a link. */
export type LinkEvent =
  /** Dial now: the first time, the retry timer, or the peer dialled us (it is back). */
  | "dial"
  /** The dial connected (and the peer's certificate names it). */
  | "connected"
  /** The dial failed, or connected to a certificate that does not name the peer. */
  | "dialFailed"
  /** The peer's HELLO arrived (naming the peer we dialled). */
  | "hello"
  /** The connection closed, or was dropped for silence. */
  | "closed"
  /** The node stops. */
  | "stop";

/** What the link does on a transition, in order. */
export type LinkAction =
  /** Start a dial. */
  | "connect"
  /** Take the dialled connection and send HELLO. */
  | "greet"
  /** Close the connection a dial brought after the link stopped. */
  | "discard"
  /** Mark the link up and send what is queued. */
  | "goUp"
  /** Forget the connection; mark the link down (the node takes over its duty, once per outage). */
  | "goDown"
  /** Dial again after the backoff. */
  | "scheduleRetry"
  /** Cancel the retry timer. */
  | "cancelRetry"
  /** Close the connection. */
  | "close";

/** A transition: the next phase and the actions to carry out. */
export interface LinkStep {
  next: LinkPhase;
  actions: readonly LinkAction[];
}

const stay = (phase: LinkPhase, ...actions: LinkAction[]): LinkStep => ({ next: phase, actions });
const to = (next: LinkPhase, ...actions: LinkAction[]): LinkStep => ({ next, actions });

/** Every expected event of every phase; an event missing from its phase's row is unexpected. */
export const LINK_TABLE: Readonly<Record<LinkPhase, Partial<Record<LinkEvent, LinkStep>>>> = {
  idle: { dial: to("dialing", "connect"), stop: to("stopped") },
  dialing: {
    dial: stay("dialing"),
    connected: to("greeting", "greet"),
    dialFailed: to("waiting", "goDown", "scheduleRetry"),
    stop: to("stopped"),
  },
  greeting: {
    dial: stay("greeting"),
    hello: to("up", "goUp"),
    closed: to("waiting", "goDown", "scheduleRetry"),
    stop: to("stopped", "close"),
  },
  up: {
    dial: stay("up"),
    // A second HELLO on the same connection changes nothing.
    hello: stay("up"),
    closed: to("waiting", "goDown", "scheduleRetry"),
    stop: to("stopped", "close"),
  },
  waiting: { dial: to("dialing", "cancelRetry", "connect"), stop: to("stopped", "cancelRetry") },
  stopped: {
    dial: stay("stopped"),
    connected: stay("stopped", "discard"),
    dialFailed: stay("stopped"),
    closed: stay("stopped"),
    stop: stay("stopped"),
  },
};

/**
 * The transition of `phase` on `event`, or undefined when that phase does not expect it
 * (the caller logs it as a bug and stays where it is).
 *
 * @example
 * ```ts
 * linkStep("waiting", "dial"); // { next: "dialing", actions: ["cancelRetry", "connect"] }
 * linkStep("idle", "hello"); // undefined: no HELLO without a connection
 * ```
 */
export function linkStep(phase: LinkPhase, event: LinkEvent): LinkStep | undefined {
  return LINK_TABLE[phase][event];
}

/**
 * How long a link waits before each redial: the backoff grows with each failed attempt
 * and starts over once the peer answers HELLO, or, after the peer refused what we sent
 * (ERROR: e.g. its disk is full), only once it acknowledges something again. While the
 * peer's host refuses the connection itself (nothing listens: the node is down) the wait
 * may grow longer too ({@link Redial.absent}): a node that starts dials every peer, and
 * its accepted HELLO makes this link dial at once.
 *
 * @example
 * ```ts
 * const redial = new Redial((attempt) => 250 * 2 ** attempt);
 * redial.nextWait(); // 250
 * redial.nextWait(); // 500
 * redial.greeted(); // the next wait is 250 again
 * ```
 */
export class Redial {
  #attempts = 0;
  #startOverOn: "hello" | "ok" = "hello";
  #absent = false;

  /**
   * @param waitMs the wait before attempt `attempt` (0 the first); `long` while the peer's
   *   last word was a refusal, or its host said nothing listens (a longer backoff suits both)
   */
  constructor(readonly waitMs: (attempt: number, long: boolean) => number) {}

  /** Whether no attempt failed since the backoff last started over. */
  get fresh(): boolean {
    return this.#attempts === 0;
  }

  /** The wait before the next attempt; each call counts one more attempt. */
  nextWait(): number {
    return this.waitMs(this.#attempts++, this.#startOverOn === "ok" || this.#absent);
  }

  /** The last dial failed: `refused` when the peer's host answered that nothing listens on its port, else (a timeout, no route) false. */
  absent(refused: boolean): void {
    this.#absent = refused;
  }

  /** The peer answered HELLO. */
  greeted(): void {
    this.#absent = false;
    if (this.#startOverOn === "hello") this.#attempts = 0;
  }

  /** The peer refused what we sent: the backoff starts over only at its next acknowledgement. */
  refused(): void {
    this.#startOverOn = "ok";
  }

  /** The peer acknowledged a message. */
  acknowledged(): void {
    if (this.#startOverOn === "hello") return;
    this.#startOverOn = "hello";
    this.#attempts = 0;
  }
}
