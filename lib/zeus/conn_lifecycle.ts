/**
 * The life of one connection to zeus, as one pure transition table: role + event → next
 * role + actions. The first packet says who is calling: an admin client's HELLO, or anything
 * else from an emperor. zeus_connection.ts feeds it what the socket, the term and the admin
 * hub say, and carries out the actions; nothing here sends, logs or reads a clock.
 *
 * ```text
 *              hello                        closed, dropped, bad-input, bug, abandoned
 *   stranger ─────────► admin ────────────────────────────────────────────────► closed
 *      │ spoke, bad-input (zeus leads)                                            ▲
 *      ├──────────────► emperor ──────────────────────────────────────────────────┤
 *      │                      closed, dropped, deposed, bad-input, bug, abandoned │
 *      │ spoke, bad-input (zeus does not lead: NOT_LEADER)                        │
 *      └──────────────────────────────────────────────────────────────────────────┘
 *        closed, bug, abandoned
 * ```
 *
 * The read loop (lib/net/packet_reader.ts) logs bad input and zeus's own bugs, the latter
 * never told to the peer as its fault. Garbage before any valid first packet is answered as an emperor's would be: the term
 * counts a protocol error, says ERROR and closes. An emperor's connection belongs to the
 * term it joined: when that term ends (`deposed`) it is told NOT_LEADER and closed. Once a
 * connection is closed, every event is an echo of its closing and changes nothing.
 *
 * An event a role has no row for is a bug of the server: {@link connStep} returns undefined
 * and the connection logs it and changes nothing.
 *
 * @module
 */

/** Every role of a connection, in the order of its life. */
export const CONN_ROLES = ["stranger", "emperor", "admin", "closed"] as const;

/**
 * Who is at the other end: not yet known ("stranger"), an "emperor" of the current term, an
 * "admin" client, or nobody any more ("closed").
 */
export type ConnRole = (typeof CONN_ROLES)[number];

/** What happens to a connection. */
export type ConnEvent =
  /** The first packet is an admin HELLO. */
  | { kind: "hello" }
  /** The first packet is anything else: an emperor. `leading`: zeus runs a term it can act in. */
  | { kind: "spoke"; leading: boolean }
  /** The peer sent bytes that are not a packet, or a packet against the protocol. */
  | { kind: "bad-input"; leading: boolean; reason: string }
  /** zeus failed handling a packet: its own bug, not the peer's. */
  | { kind: "bug"; reason: string }
  /** zeus closes it: the coordinator (a protocol error, a dead emperor) or the admin hub. */
  | { kind: "dropped"; reason: string }
  /** The term the emperor joined ended. */
  | { kind: "deposed" }
  /** The socket closed (by the peer, an error, or zeus). */
  | { kind: "closed"; reason: string }
  /** zeus stopped: nothing more is done for the connection; its emperor keeps its vassals. */
  | { kind: "abandoned" };

/** An event's kind. */
export type ConnEventKind = ConnEvent["kind"];

/** Every event kind, for exhaustive tests. */
export const CONN_EVENT_KINDS: readonly ConnEventKind[] = [
  "hello",
  "spoke",
  "bad-input",
  "bug",
  "dropped",
  "deposed",
  "closed",
  "abandoned",
];

/** What the connection does on a transition, in order. */
export type ConnAction =
  /** Join the current term as an emperor's connection. */
  | { do: "admit_emperor" }
  /** Say NOT_LEADER, naming the leader if known. */
  | { do: "not_leader" }
  /** The term counts a protocol error, says ERROR and forgets the connection. */
  | { do: "protocol_error" }
  /** The term loses the emperor (its vassals are judged after --dead-after, as ever); `why` or the event's reason. */
  | { do: "emperor_lost"; why?: string }
  /** The admin hub forgets the client (and its streams). */
  | { do: "admin_gone" }
  /** Tell the admin client why zeus closes its connection (REFUSED with the event's reason). */
  | { do: "tell_admin" }
  /** Close the socket. */
  | { do: "close" };

/** A transition: the next role and the actions, in order. */
export interface ConnStep {
  next: ConnRole;
  actions: ConnAction[];
}

type Rows = { [K in ConnEventKind]?: (e: Extract<ConnEvent, { kind: K }>) => ConnStep };

const to = (next: ConnRole, ...actions: ConnAction[]): ConnStep => ({ next, actions });
const closing = (...actions: ConnAction[]) => to("closed", ...actions, { do: "close" });
const asEmperor = (leading: boolean, ...then: ConnAction[]): ConnStep =>
  leading
    ? then.length
      ? closing({ do: "admit_emperor" }, ...then)
      : to("emperor", { do: "admit_emperor" })
    : closing({ do: "not_leader" });

/** The table: for each role, the events it expects. */
export const CONN_TABLE: Record<ConnRole, Rows> = {
  stranger: {
    // The admin hub answers the HELLO, and may refuse and close at once.
    hello: () => to("admin"),
    spoke: (e) => asEmperor(e.leading),
    "bad-input": (e) => asEmperor(e.leading, { do: "protocol_error" }),
    bug: () => closing(),
    // Refused by the strangers' guard (too slow, too many), or gone before a word.
    closed: () => to("closed"),
    abandoned: () => to("closed"),
  },
  emperor: {
    "bad-input": () => closing({ do: "protocol_error" }),
    // The connection closes, and the emperor's next report reconciles what was left half done.
    bug: () => closing({ do: "emperor_lost", why: "connection closed" }),
    dropped: () => closing(),
    deposed: () => closing({ do: "not_leader" }),
    closed: () => to("closed", { do: "emperor_lost" }),
    abandoned: () => to("closed"),
  },
  admin: {
    // The client hears the reason zeus logged (an oversized or malformed request), not just a close.
    "bad-input": () => closing({ do: "tell_admin" }, { do: "admin_gone" }),
    bug: () => closing({ do: "admin_gone" }),
    dropped: () => closing({ do: "admin_gone" }),
    closed: () => to("closed", { do: "admin_gone" }),
    abandoned: () => to("closed"),
  },
  closed: {
    "bad-input": () => to("closed"),
    bug: () => to("closed"),
    dropped: () => to("closed"),
    deposed: () => to("closed"),
    closed: () => to("closed"),
    abandoned: () => to("closed"),
  },
};

/**
 * The transition of a connection in `role` on `event`, or undefined when that role does not
 * expect that event (a bug of the server: log it, change nothing).
 *
 * @example
 * ```ts
 * connStep("stranger", { kind: "spoke", leading: true }); // { next: "emperor", actions: [{ do: "admit_emperor" }] }
 * connStep("admin", { kind: "deposed" }); // undefined: only an emperor belongs to a term
 * ```
 */
export function connStep(role: ConnRole, event: ConnEvent): ConnStep | undefined {
  const on = CONN_TABLE[role][event.kind] as ((e: ConnEvent) => ConnStep) | undefined;
  return on?.(event);
}
