/**
 * One connection to zeus, from its first byte to its close: a stranger until its first
 * packet says who it is (an admin client's HELLO, or an emperor), then routed to the admin
 * hub or to the term it joined. Its role changes only through the table of
 * conn_lifecycle.ts; this class reads the socket and carries out the table's actions.
 * While the server holds callers (taking over), a stranger's packets are kept unread by the
 * table and handled, in order, when the server releases them.
 *
 * @module
 */
import { ADMIN, type AdminFrame, type AdminHub, decodeAdminFrame, encodeAdminFrame, isAdminType } from "../admin/mod.ts";
import { ProtocolError } from "../errors.ts";
import type { StreamRelay } from "../exec/mod.ts";
import { clipInput, getLogger } from "../log/mod.ts";
import { type Conn, type PacketReader, type ReadFailure, readPackets, type Strangers } from "../net/mod.ts";
import { encodePacket, type Packet, ZEUS_MODIFIER1 } from "../packet/mod.ts";
import { decodeMessage, encodeMessage, type ZeusMessage } from "../zeus_protocol/mod.ts";
import type { ZeusAdminContext } from "./admin_context.ts";
import { type ConnAction, type ConnEvent, type ConnRole, connStep } from "./conn_lifecycle.ts";
import type { LeadershipTerm, TermMember } from "./leadership_term.ts";

const log = getLogger("zeus", "server");

/** The most of a reason an admin client is told: far under a var's 65535 bytes. */
const REASON_BYTES = 4096;

/** The most a held caller's packets may take (an emperor's report of 1 000 vassals is about 100 KiB): past it, it is answered now. */
const HELD_BYTES = 1024 * 1024;

/** What a connection needs of its server. */
export interface ConnectionHost {
  readonly strangers: Strangers;
  readonly hub: AdminHub<ZeusAdminContext>;
  readonly relay: StreamRelay;
  /** Whether client certificates are required (then an emperor's node must match its names). */
  readonly clientCerts: boolean;
  /** The term a new emperor joins: undefined unless zeus leads and can prove its lease. */
  joinable(): LeadershipTerm | undefined;
  /** Whether the lease is proven right now (messages are dropped while it is not). */
  canAct(): boolean;
  /** The leadership term every message carries (fencing), or undefined for a zeus that does not fence. */
  fencingTerm(): number | undefined;
  /** The leader a standby names in NOT_LEADER ("" while none is known). */
  leaderAddress(): string;
  /**
   * Whether a caller's first packets wait instead of being answered now: zeus is about to
   * lead (reading the state for its term) and NOT_LEADER would only send the emperor away to
   * dial again. The server calls {@link ZeusConnection.release} when this turns false.
   */
  holding(): boolean;
  /** A packet was read now (before it is handled): a heartbeat is judged after any block of the loop is counted. */
  heard(): void;
  /** The connection closed for good: the server forgets it. */
  forget(id: number): void;
}

/**
 * A connection to zeus.
 *
 * @example
 * ```ts
 * declare const strangers: Strangers, zeus: ConnectionHost;
 * const conns = new Map<number, ZeusConnection>();
 * let next = 0;
 * listen({ host, port, onConn: (conn) => void (strangers.admit(conn) && conns.set(++next, new ZeusConnection(next, conn, zeus))) });
 * ```
 */
export class ZeusConnection implements TermMember {
  #role: ConnRole = "stranger";
  #term: LeadershipTerm | undefined;
  readonly #reader: PacketReader;
  /** Packets of a stranger kept while the server holds callers, in order, and their bytes. */
  #held: Packet[] | undefined;
  #heldBytes = 0;

  /**
   * Starts reading `conn`.
   *
   * @param id the connection's number (the coordinator's and the admin hub's name for it)
   * @param conn the admitted socket
   * @param host the server it belongs to
   */
  constructor(
    readonly id: number,
    readonly conn: Conn,
    readonly host: ConnectionHost,
  ) {
    const self = this;
    // The read loop logs bad input and zeus's own bugs (never told to the peer as its fault).
    this.#reader = readPackets(conn, {
      decoder: { modifier1: ZEUS_MODIFIER1, family: "Zeus" },
      get what() {
        return self.#role === "admin" ? "admin client" : "emperor";
      },
      log,
      onPacket: (p) => this.#route(p),
      onChunk: (partial) => {
        if (this.#role === "stranger") host.strangers.heard(conn, partial);
      },
      live: () => this.#role !== "closed",
      onFailure: (f) => this.#failed(f),
    });
    conn.onClose((err) => this.#on({ kind: "closed", reason: err ? `connection error: ${err.message}` : "connection closed" }));
  }

  get role(): ConnRole {
    return this.#role;
  }

  get remote(): string {
    return this.conn.remote;
  }

  get certNames(): string[] | undefined {
    return this.host.clientCerts ? this.conn.peerNames : undefined;
  }

  /** Sends a zeus message. */
  send(m: ZeusMessage): void {
    this.conn.write(encodePacket(encodeMessage(m, this.host.fencingTerm())));
  }

  /** Sends an admin frame (to an admin client, or a relayed stream to an emperor). */
  sendFrame(f: AdminFrame): void {
    this.conn.write(encodePacket(encodeAdminFrame(f)));
  }

  /** zeus closes it (the coordinator, or the admin hub). */
  drop(reason: string): void {
    this.#on({ kind: "dropped", reason });
  }

  /** Its term ended: NOT_LEADER, then closed. */
  depose(): void {
    this.#on({ kind: "deposed" });
  }

  /** Keeps `p` while the server holds callers; false (nothing kept) past {@link HELD_BYTES}. */
  #hold(p: Packet): boolean {
    if (this.#heldBytes + p.payload.byteLength > HELD_BYTES) {
      this.release();
      return false;
    }
    (this.#held ??= []).push(p);
    this.#heldBytes += p.payload.byteLength;
    return true;
  }

  /** Whether it keeps packets for the server to release. */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  /** The server stopped holding callers: the packets kept are handled now, in order. */
  release(): void {
    const held = this.#held;
    this.#held = undefined;
    this.#heldBytes = Infinity; // once released (or past the bound), never held again
    for (const p of held ?? []) {
      if (this.#role === "closed") return;
      try {
        this.#route(p);
      } catch (e) {
        return this.#reader.fail(e);
      }
    }
  }

  /** zeus stopped: nothing more is done for it. */
  abandon(): void {
    this.#on({ kind: "abandoned" });
  }

  #on(e: ConnEvent): void {
    const step = connStep(this.#role, e);
    if (!step)
      return log.error("connection {remote} as {role}: unexpected {event}", { remote: this.remote, role: this.#role, event: e.kind });
    // However an emperor's connection ends (closed by it, dropped, deposed, bad input), the
    // exec and log streams relayed through it end with it, so no caller waits on a dead one.
    if (this.#role === "emperor" && step.next === "closed") this.host.relay.emperorClosed(this.id);
    this.#role = step.next;
    const reason = "reason" in e ? e.reason : "";
    for (const a of step.actions) this.#act(a, reason);
    if (step.next === "closed") this.host.forget(this.id);
  }

  #act(a: ConnAction, reason: string): void {
    const { host, id } = this;
    switch (a.do) {
      case "admit_emperor":
        this.#term = host.joinable();
        return this.#term?.join(this);
      case "not_leader":
        return this.send({ type: "NOT_LEADER", leader: host.leaderAddress() });
      case "protocol_error":
        return this.#term?.protocolError(id, reason);
      case "emperor_lost":
        return this.#term?.lost(id, a.why ?? reason);
      case "admin_gone":
        return host.hub.closed(id);
      case "tell_admin":
        return this.sendFrame({ type: "REFUSED", reason: clipInput(reason, REASON_BYTES) });
      case "close":
        return this.conn.close();
    }
  }

  #route(p: Packet): void {
    this.host.heard();
    if (this.#role === "stranger" && (this.#held || this.host.holding()) && this.#hold(p)) return;
    if (this.#role === "stranger" && this.#identify(p)) return;
    if (this.#role === "admin") {
      if (!isAdminType(p.modifier2)) throw new ProtocolError(`Zeus message type ${p.modifier2} on an admin connection`);
      this.host.hub.frame(this.id, decodeAdminFrame(p));
    } else if (this.#role !== "emperor") return;
    else if (isAdminType(p.modifier2)) this.host.relay.fromEmperor(this.id, decodeAdminFrame(p));
    else if (this.host.canAct()) this.#term?.message(this.id, decodeMessage(p, "emperor"));
  }

  /** The first packet says who is calling; returns whether it was consumed (an admin's HELLO). */
  #identify(p: Packet): boolean {
    this.host.strangers.identified(this.conn);
    if (p.modifier2 !== ADMIN.HELLO) {
      this.#on({ kind: "spoke", leading: this.host.joinable() !== undefined });
      return false;
    }
    this.#on({ kind: "hello" });
    const hello = decodeAdminFrame(p);
    if (hello.type === "HELLO") this.host.hub.hello(this.id, hello);
    return true;
  }

  /** A packet could not be read or handled: the peer's bad input, or zeus's own bug. */
  #failed(f: ReadFailure): void {
    if (f.kind !== "internal") this.#on({ kind: "bad-input", leading: this.host.joinable() !== undefined, reason: f.reason });
    else this.#on({ kind: "bug", reason: f.reason });
  }
}
