/**
 * The server side of admin connections: the HELLO verdict, the command registry's
 * request/reply, and the hand-off of stream frames (exec, logs) to a {@link StreamRouter}.
 * The daemon owns the sockets; the hub is told of frames and answers through `send`.
 *
 * @module
 */
import { AdminError, ProtocolError } from "../errors.ts";
import type { Logger } from "@logtape/logtape";
import { clipInput, getLogger } from "../log/mod.ts";
import { type AdminVerdict } from "./auth.ts";
import { splitVars, VarsJoiner } from "./chunks.ts";
import { ADMIN_PROTO, type AdminFrame } from "./frames.ts";

/** The most of a failure's reason a client is told (and the log line says). */
const REASON_BYTES = 4096;

/** One admin request as a handler sees it. */
export interface AdminRequest<C> {
  /** Who asked: the certificate name or the address (for logs). */
  who: string;
  /** The request's vars (the caller's names and values). */
  vars: Record<string, string>;
  /** What the daemon lends its handlers (zeus: the coordinator and friends). */
  ctx: C;
}

/**
 * A command handler: vars in, reply vars out. Throw {@link AdminError} for a failure the
 * caller should see with its code; anything else is reported as code "internal".
 */
export type AdminHandler<C> = (req: AdminRequest<C>) => Record<string, string> | Promise<Record<string, string>>;

/** Where stream frames (OPEN, DATA, ...) of admin connections go. */
export interface StreamRouter {
  /** A stream frame from admin connection `conn`, admitted as `who`. */
  fromAdmin(conn: number, who: string, f: AdminFrame): void;
  /** Admin connection `conn` is gone: end (kill) every stream it opened. */
  adminClosed(conn: number): void;
}

/** What the hub needs of the daemon. */
export interface AdminHubIO {
  send(conn: number, f: AdminFrame): void;
  close(conn: number): void;
  /** The connection's peer address, for log lines. */
  remote(conn: number): string;
}

/** Options of an {@link AdminHub}. */
export interface AdminHubOptions<C> {
  /** Decides whether the connection saying HELLO is an admin (see adminVerdict). */
  verdict: (conn: number) => AdminVerdict;
  commands: Readonly<Record<string, AdminHandler<C>>>;
  ctx: C;
  /** What the server calls itself in WELCOME ("zeus", "emperor NODE"). */
  server: string;
  streams?: StreamRouter;
  /** The daemon's log root ("zeus", "emperor"); default "zeus". */
  logRoot?: string;
}

/**
 * The admin connections of one daemon.
 *
 * @example
 * ```ts
 * declare const io: AdminHubIO;
 * const hub = new AdminHub(io, { verdict: () => ({ ok: true, who: "ops" }), commands: { ping: () => ({ pong: "1" }) }, ctx: {}, server: "zeus" });
 * hub.hello(7, { type: "HELLO", proto: ADMIN_PROTO, client: "zeus exec" });
 * hub.frame(7, { type: "REQUEST", id: 1, command: "ping", vars: {}, more: false });
 * ```
 */
export class AdminHub<C> {
  #who = new Map<number, string>();
  #requests = new Map<number, Map<number, { command: string; joiner: VarsJoiner }>>();
  #log: Logger;

  constructor(
    readonly io: AdminHubIO,
    readonly opts: AdminHubOptions<C>,
  ) {
    this.#log = getLogger(opts.logRoot ?? "zeus", "admin");
  }

  /** Number of admitted admin connections. */
  get size(): number {
    return this.#who.size;
  }

  /** A connection's first frame was HELLO: admit it (WELCOME) or refuse it (REFUSED, log line, close). */
  hello(conn: number, f: Extract<AdminFrame, { type: "HELLO" }>): void {
    if (f.proto !== ADMIN_PROTO)
      return this.#refuse(conn, `unknown admin protocol "${f.proto.slice(0, 40)}" (this server speaks ${ADMIN_PROTO})`, f.client);
    const v = this.opts.verdict(conn);
    if (!v.ok) return this.#refuse(conn, v.reason, f.client);
    this.#who.set(conn, v.who);
    this.#requests.set(conn, new Map());
    this.#log.info("admin client {who} connected ({client})", { who: v.who, client: f.client || "unnamed" });
    this.io.send(conn, { type: "WELCOME", who: v.who, server: this.opts.server });
  }

  /**
   * A frame from an admitted admin connection.
   *
   * @throws {ProtocolError} on a frame an admin client may not send, or a request too large
   */
  frame(conn: number, f: AdminFrame): void {
    const who = this.#who.get(conn);
    if (who === undefined) throw new ProtocolError(`${f.type} from a connection that is not an admitted admin client`);
    switch (f.type) {
      case "REQUEST":
        return this.#request(conn, who, f);
      case "OPEN":
      case "DATA":
      case "EOF":
      case "WINDOW":
      case "RESIZE":
      case "SIGNAL":
      case "CANCEL":
        if (!this.opts.streams) throw new ProtocolError(`${f.type}: this server has no streams`);
        return this.opts.streams.fromAdmin(conn, who, f);
      default:
        throw new ProtocolError(`${f.type} may not be sent by an admin client`);
    }
  }

  /** An admin connection closed: its streams end. */
  closed(conn: number): void {
    if (!this.#who.delete(conn)) return;
    this.#requests.delete(conn);
    this.opts.streams?.adminClosed(conn);
  }

  #refuse(conn: number, reason: string, client: string): void {
    this.#log.warn("refused admin client {remote} ({client}): {reason}", {
      remote: this.io.remote(conn),
      client: client || "unnamed",
      reason,
    });
    this.io.send(conn, { type: "REFUSED", reason });
    this.io.close(conn);
  }

  #request(conn: number, who: string, f: Extract<AdminFrame, { type: "REQUEST" }>): void {
    const pending = this.#requests.get(conn)!;
    let r = pending.get(f.id);
    if (!r) {
      if (pending.size >= 64) throw new ProtocolError("more than 64 requests in progress on one connection");
      r = { command: f.command, joiner: new VarsJoiner() };
      pending.set(f.id, r);
    }
    r.joiner.add(f.vars);
    if (f.more) return;
    pending.delete(f.id);
    void this.#run(conn, who, f.id, r.command, r.joiner.vars);
  }

  async #run(conn: number, who: string, id: number, command: string, vars: Record<string, string>): Promise<void> {
    const handler = Object.hasOwn(this.opts.commands, command) ? this.opts.commands[command] : undefined;
    let reply: Record<string, string>;
    try {
      if (!handler)
        throw new AdminError(
          "unknown-command",
          `unknown admin command ${JSON.stringify(command.slice(0, 40))} (known: ${Object.keys(this.opts.commands).join(", ")})`,
        );
      reply = await handler({ who, vars, ctx: this.opts.ctx });
    } catch (e) {
      const code = e instanceof AdminError ? e.code : "internal";
      // Bounded: a reason may quote input, and a var holds at most 65535 bytes.
      const reason = clipInput((e as Error).message, REASON_BYTES);
      this.#log.warn("admin {who}: {command} failed ({code}): {reason}", { who, command, code, reason });
      if (this.#who.has(conn)) this.io.send(conn, { type: "FAILED", id, code, reason });
      return;
    }
    this.#log.info("admin {who}: {command} done", { who, command });
    if (!this.#who.has(conn)) return;
    const parts = splitVars(reply);
    parts.forEach((vars, i) => this.io.send(conn, { type: "REPLY", id, vars, more: i < parts.length - 1 }));
  }
}
