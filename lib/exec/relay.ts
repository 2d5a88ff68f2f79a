/**
 * zeus's relay of exec and logs streams: an admin client's stream (numbered by the client
 * on its connection) is carried to the emperor that runs the vassal (numbered by zeus on
 * that emperor's connection), frames passed both ways, flow-control windows checked, and
 * every end logged. Sans I/O: frames in, frames out through {@link RelayIO}.
 *
 * @module
 */
import { type AdminFrame, INITIAL_WINDOW, type StreamOpen, type StreamRouter } from "../admin/mod.ts";
import { ProtocolError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import { WindowLimit } from "./window.ts";

const log = getLogger("zeus", "exec");

/** Where the relay sends frames. */
export interface RelayIO {
  toAdmin(conn: number, f: AdminFrame): void;
  toEmperor(conn: number, f: AdminFrame): void;
  now(): number;
}

/** Where a stream goes: the emperor's node and connection, or why it cannot. */
export type Located = { node: string; conn: number } | { code: string; reason: string };

/** Finds the emperor for a vassal (its first live copy, or the one on `node`). */
export type Locate = (vassal: string, node: string | undefined, kind: StreamOpen["kind"]) => Located;

interface Stream {
  zid: number;
  admin: number;
  cid: number;
  emperor: number;
  node: string;
  who: string;
  open: StreamOpen;
  started: number;
  /** What the emperor may still send toward the client, and the client toward the emperor. */
  out: WindowLimit;
  in: WindowLimit;
}

/** One line for a command line in the log: JSON keeps every argument, quoted and escaped. */
export const commandLine = (argv: string[]): string => JSON.stringify(argv);

/**
 * The relay.
 *
 * @example
 * ```ts
 * declare const io: RelayIO, open: StreamOpen, data: Uint8Array;
 * const relay = new StreamRelay(io, (vassal) => ({ node: "n1", conn: 3 }));
 * relay.fromAdmin(9, "ops", { type: "OPEN", id: 1, open });
 * relay.fromEmperor(3, { type: "DATA", id: 1, fd: 1, data });
 * ```
 */
export class StreamRelay implements StreamRouter {
  #next = 0;
  #byZid = new Map<number, Stream>();
  /** admin conn → client id → stream */
  #byAdmin = new Map<number, Map<number, Stream>>();

  constructor(
    readonly io: RelayIO,
    readonly locate: Locate,
  ) {}

  /** Streams open now. */
  get size(): number {
    return this.#byZid.size;
  }

  fromAdmin(admin: number, who: string, f: AdminFrame): void {
    if (f.type === "OPEN") return this.#open(admin, who, f.id, f.open);
    if (!("id" in f)) throw new ProtocolError(`${f.type} is not a stream frame`);
    const s = this.#byAdmin.get(admin)?.get(f.id);
    if (!s) return; // ended meanwhile: frames in flight are dropped
    switch (f.type) {
      case "DATA":
        if (f.fd !== 0) throw new ProtocolError(`DATA from an admin client on fd ${f.fd}: only 0 (stdin) goes that way`);
        s.in.spend(f.data.byteLength, "admin client");
        return this.io.toEmperor(s.emperor, { ...f, id: s.zid });
      case "WINDOW":
        s.out.grant(f.bytes);
        return this.io.toEmperor(s.emperor, { ...f, id: s.zid });
      case "EOF":
      case "RESIZE":
      case "SIGNAL":
        return this.io.toEmperor(s.emperor, { ...f, id: s.zid });
      case "CANCEL":
        this.io.toEmperor(s.emperor, { ...f, id: s.zid });
        return this.#end(s, { type: "END", id: s.cid, code: 0, error: "cancelled", reason: f.reason }, false);
      default:
        throw new ProtocolError(`${f.type} may not be sent by an admin client`);
    }
  }

  adminClosed(admin: number): void {
    for (const s of this.#byAdmin.get(admin)?.values() ?? []) {
      this.io.toEmperor(s.emperor, { type: "CANCEL", id: s.zid, reason: "the admin client went away" });
      this.#end(s, { type: "END", id: s.cid, code: 0, error: "lost", reason: "the admin client went away" }, false);
    }
    this.#byAdmin.delete(admin);
  }

  /**
   * A stream frame from an emperor's connection.
   *
   * @throws {ProtocolError} on a frame an emperor may not send, or data past the window
   */
  fromEmperor(emperor: number, f: AdminFrame): void {
    if (!("id" in f)) throw new ProtocolError(`${f.type} may not be sent by an emperor`);
    const s = this.#byZid.get(f.id);
    if (!s || s.emperor !== emperor) return; // cancelled meanwhile
    switch (f.type) {
      case "OPENED":
        log.info("{kind} by {who} on {vassal}@{node} started (pid {pid})", {
          kind: s.open.kind,
          who: s.who,
          vassal: s.open.vassal,
          node: s.node,
          pid: f.pid,
        });
        return this.io.toAdmin(s.admin, { ...f, id: s.cid, node: s.node });
      case "DATA":
        if (f.fd === 0) throw new ProtocolError("DATA from an emperor on fd 0");
        s.out.spend(f.data.byteLength, `emperor ${s.node}`);
        return this.io.toAdmin(s.admin, { ...f, id: s.cid });
      case "WINDOW":
        s.in.grant(f.bytes);
        return this.io.toAdmin(s.admin, { ...f, id: s.cid });
      case "END":
        return this.#end(s, { ...f, id: s.cid }, true);
      default:
        throw new ProtocolError(`${f.type} may not be sent by an emperor`);
    }
  }

  /** An emperor's connection closed: its streams end with "lost". */
  emperorClosed(emperor: number): void {
    for (const s of [...this.#byZid.values()]) {
      if (s.emperor !== emperor) continue;
      this.#end(s, { type: "END", id: s.cid, code: 0, error: "lost", reason: `the connection to emperor ${s.node} was lost` }, true);
    }
  }

  #open(admin: number, who: string, cid: number, open: StreamOpen): void {
    let streams = this.#byAdmin.get(admin);
    if (!streams) this.#byAdmin.set(admin, (streams = new Map()));
    if (streams.has(cid)) throw new ProtocolError(`stream ${cid} is already open`);
    if (streams.size >= 64) throw new ProtocolError("more than 64 streams open on one admin connection");
    const where = this.locate(open.vassal, open.node, open.kind);
    const what = open.kind === "exec" ? commandLine(open.argv) : `logs${open.follow ? " -f" : ""}`;
    if ("code" in where) {
      log.warn("{kind} by {who} on {vassal}: {what} refused: {reason}", {
        kind: open.kind,
        who,
        vassal: open.vassal,
        what,
        reason: where.reason,
      });
      return this.io.toAdmin(admin, { type: "END", id: cid, code: 0, error: where.code, reason: where.reason });
    }
    const s: Stream = {
      zid: ++this.#next,
      admin,
      cid,
      emperor: where.conn,
      node: where.node,
      who,
      open: { ...open, who },
      started: this.io.now(),
      out: new WindowLimit(INITIAL_WINDOW),
      in: new WindowLimit(INITIAL_WINDOW),
    };
    streams.set(cid, s);
    this.#byZid.set(s.zid, s);
    log.info("{kind} by {who} on {vassal}@{node}: {what}", { kind: open.kind, who, vassal: open.vassal, node: s.node, what });
    this.io.toEmperor(s.emperor, { type: "OPEN", id: s.zid, open: s.open });
  }

  #end(s: Stream, end: Extract<AdminFrame, { type: "END" }>, tellAdmin: boolean): void {
    this.#byZid.delete(s.zid);
    this.#byAdmin.get(s.admin)?.delete(s.cid);
    const secs = ((this.io.now() - s.started) / 1000).toFixed(3);
    const how = end.error ? `${end.error}: ${end.reason ?? ""}` : end.signal ? `killed by ${end.signal} (${end.code})` : `exit ${end.code}`;
    const what = s.open.kind === "exec" ? commandLine(s.open.argv) : "logs";
    log.info("{kind} by {who} on {vassal}@{node}: {what} ended, {how}, after {secs} s", {
      kind: s.open.kind,
      who: s.who,
      vassal: s.open.vassal,
      node: s.node,
      what,
      how,
      secs,
    });
    if (tellAdmin) this.io.toAdmin(s.admin, end);
  }
}
