/**
 * The admin client: one connection to zeus (or an emperor's local socket) that said HELLO
 * and was welcomed, carrying requests ({@link AdminConnection.request}) and streams
 * ({@link AdminConnection.openStream}). {@link adminRequest} is the one-shot form.
 *
 * @module
 */
import { hostname, userInfo } from "node:os";
import { AdminError, ProtocolError } from "../errors.ts";
import { type Conn, dial, dialUnix, hostPort, readPackets, TLS_CLOSED_REASON, tlsMisuse } from "../net/mod.ts";
import { encodePacket, ZEUS_MODIFIER1 } from "../packet/mod.ts";
import { getLogger } from "../log/mod.ts";
import type { TlsClientFiles } from "../tls/mod.ts";
import { splitVars, VarsJoiner } from "./chunks.ts";
import {
  ADMIN_PROTO,
  type AdminFrame,
  decodeAdminFrame,
  encodeAdminFrame,
  isAdminType,
  type StreamFrameBody,
  type StreamOpen,
} from "./frames.ts";

const log = getLogger("zeus", "admin-client");

/** Where the admin server is and how to prove who we are. */
export interface AdminClientOptions {
  /** zeus's listening address (ignored when `unix` is set). */
  host: string;
  port: number;
  /** TLS: the CA zeus's certificate chains to, and our admin certificate. */
  tls?: TlsClientFiles;
  /** A Unix socket instead (an emperor's state dir `run/admin.sock`). */
  unix?: string;
  /** Give up connecting (and on the welcome) after this long; default 10 s. */
  timeoutMs?: number;
}

/** Frames of one stream, as the client receives them. */
export interface StreamHandlers {
  onFrame(f: AdminFrame): void;
}

/** An open stream of an {@link AdminConnection}. */
export interface ClientStream {
  readonly id: number;
  /** Sends a frame of this stream (its `id` is filled in). */
  send(f: StreamFrameBody): void;
}

/** The name this client gives itself in HELLO: "user@host". */
function clientName(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    // No passwd entry for this uid (a container): the host still names the client.
    return hostname();
  }
}

/**
 * A welcomed admin connection.
 *
 * @example
 * ```ts
 * const c = await AdminConnection.open({ host: "127.0.0.1", port: 4040 });
 * console.log(await c.request("ping", {}));
 * c.close();
 * ```
 */
export class AdminConnection {
  #conn: Conn;
  #nextId = 0;
  #requests = new Map<number, { joiner: VarsJoiner; resolve: (v: Record<string, string>) => void; reject: (e: Error) => void }>();
  #streams = new Map<number, StreamHandlers>();
  #lost: AdminError | undefined;
  /** Who the server admitted us as, and what it calls itself. */
  who = "";
  server = "";

  private constructor(conn: Conn) {
    this.#conn = conn;
  }

  /**
   * Connects, says HELLO and waits for WELCOME.
   *
   * @throws {AdminError} code "unreachable" (cannot connect), "refused" (not an admin,
   *   with the server's reason), "lost" (closed before a welcome) or "tls-misuse" (see
   *   `tlsMisuse`: the one line naming the fix, exit 2)
   */
  static async open(opts: AdminClientOptions): Promise<AdminConnection> {
    try {
      return await AdminConnection.#open(opts);
    } catch (e) {
      const where = hostPort(opts.host, opts.port);
      const misuse = e instanceof AdminError && !opts.unix ? tlsMisuse(e.message, { where, peer: "zeus", ca: "zeus's CA" }) : undefined;
      if (misuse) throw new AdminError("tls-misuse", misuse.line, { cause: e });
      throw e;
    }
  }

  static async #open(opts: AdminClientOptions): Promise<AdminConnection> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    let conn: Conn;
    try {
      conn = opts.unix
        ? await dialUnix(opts.unix)
        : await dial({ host: opts.host, port: opts.port, ...(opts.tls ? { tls: opts.tls } : {}), timeoutMs });
    } catch (e) {
      throw new AdminError("unreachable", (e as Error).message, { cause: e });
    }
    const c = new AdminConnection(conn);
    const where = opts.unix ?? hostPort(opts.host, opts.port);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new AdminError("lost", `${where} did not answer the admin hello within ${timeoutMs} ms`));
        conn.close();
      }, timeoutMs);
      c.#start(where, opts.tls?.cert !== undefined, (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
      c.#send({ type: "HELLO", proto: ADMIN_PROTO, client: clientName() });
    });
    return c;
  }

  /**
   * Runs admin command `command` with `vars`; resolves with the reply's vars.
   *
   * @throws {AdminError} with the server's code when it fails, "lost" when the connection closes first
   */
  request(command: string, vars: Record<string, string> = {}): Promise<Record<string, string>> {
    if (this.#lost) return Promise.reject(this.#lost);
    const id = ++this.#nextId;
    const parts = splitVars(vars);
    return new Promise((resolve, reject) => {
      this.#requests.set(id, { joiner: new VarsJoiner(), resolve, reject });
      parts.forEach((p, i) => this.#send({ type: "REQUEST", id, command, vars: p, more: i < parts.length - 1 }));
    });
  }

  /** Opens a stream (exec or logs); its frames go to `handlers` until END. */
  openStream(open: StreamOpen, handlers: StreamHandlers): ClientStream {
    const id = ++this.#nextId;
    this.#streams.set(id, handlers);
    this.#send({ type: "OPEN", id, open });
    return { id, send: (f) => this.#send({ ...f, id } as AdminFrame) };
  }

  /** Bytes queued on the connection and not yet taken by the socket. */
  get bufferedBytes(): number {
    return this.#conn.bufferedBytes;
  }

  /** Calls `cb` each time the connection's send queue empties after it was full. */
  onDrain(cb: () => void): void {
    this.#conn.onDrain(cb);
  }

  /** Closes the connection; streams still open end on the server's side (their commands are killed). */
  close(): void {
    this.#conn.close();
  }

  #send(f: AdminFrame): void {
    this.#conn.write(encodePacket(encodeAdminFrame(f)));
  }

  #start(where: string, withCert: boolean, welcomed: (err?: AdminError) => void): void {
    let waiting = true;
    let heard = false;
    const fail = (e: AdminError): void => {
      if (this.#lost) return;
      this.#lost = e;
      if (waiting) {
        waiting = false;
        welcomed(e);
      }
      for (const r of this.#requests.values()) r.reject(e);
      this.#requests.clear();
      for (const [id, s] of this.#streams) s.onFrame({ type: "END", id, code: 0, error: e.code, reason: e.message });
      this.#streams.clear();
    };
    const reader = readPackets(this.#conn, {
      decoder: { modifier1: ZEUS_MODIFIER1, family: "Zeus" },
      what: "admin server",
      log,
      onPacket: (p) => {
        heard = true;
        if (!isAdminType(p.modifier2)) throw new ProtocolError(`unexpected Zeus message type ${p.modifier2} on an admin connection`);
        const f = decodeAdminFrame(p);
        // REFUSED after the welcome: the server closes over a request it could not take
        // (too large, malformed), and says why.
        if (!waiting && f.type === "REFUSED") return fail(new AdminError("bad-request", `${where} closed the connection: ${f.reason}`));
        if (!waiting) return this.#frame(f);
        waiting = false;
        if (f.type === "WELCOME") {
          this.who = f.who;
          this.server = f.server;
          return welcomed();
        }
        waiting = true;
        fail(
          f.type === "REFUSED"
            ? new AdminError("refused", `${where} refused: ${f.reason}`)
            : new AdminError("lost", `${where} answered ${f.type} to the admin hello`),
        );
        reader.stop();
        this.#conn.close();
      },
      onFailure: ({ kind, reason }) =>
        fail(
          new AdminError(
            "lost",
            kind === "internal" ? `internal error reading ${where}'s answer: ${reason}` : `bad answer from ${where}: ${reason}`,
          ),
        ),
    });
    this.#conn.onClose((err) => {
      const why = !heard && withCert ? `${TLS_CLOSED_REASON} (${err?.message ?? "closed"})` : err?.message;
      fail(new AdminError("lost", `connection to ${where} lost${why ? `: ${why}` : ""}`, { cause: err }));
    });
  }

  #frame(f: AdminFrame): void {
    switch (f.type) {
      case "REPLY": {
        const r = this.#requests.get(f.id);
        if (!r) return;
        r.joiner.add(f.vars);
        if (f.more) return;
        this.#requests.delete(f.id);
        return r.resolve(r.joiner.vars);
      }
      case "FAILED": {
        const r = this.#requests.get(f.id);
        if (r) {
          this.#requests.delete(f.id);
          return r.reject(new AdminError(f.code, f.reason));
        }
        return;
      }
      default: {
        if (!("id" in f)) return;
        const s = this.#streams.get(f.id);
        if (!s) return;
        if (f.type === "END") this.#streams.delete(f.id);
        s.onFrame(f);
      }
    }
  }
}

/**
 * Runs one admin command on a fresh connection and closes it: the whole client side of
 * an admin subcommand such as `zeus drain NODE`.
 *
 * @throws {AdminError} code "unreachable", "refused", "lost", or the command's own code
 * @example
 * ```ts
 * const reply = await adminRequest({ host: "127.0.0.1", port: 4040 }, "drain", { node: "n1" });
 * ```
 */
export async function adminRequest(
  opts: AdminClientOptions,
  command: string,
  vars: Record<string, string> = {},
): Promise<Record<string, string>> {
  const c = await AdminConnection.open(opts);
  try {
    return await c.request(command, vars);
  } finally {
    c.close();
  }
}
