/**
 * One client connection to one zog node: HELLO, DATA out, OK/ERROR/EVENT in, keepAlive
 * answered. The ring protocol is in docs/PROTOCOL.md.
 *
 * @module
 */
import { type Conn, dial, type PacketReader, readPackets, TLS_CLOSED_REASON } from "../../net/mod.ts";
import { getLogger } from "../../log/mod.ts";
import { systemClock } from "../../clock.ts";
import type { TlsClientFiles } from "../../tls/mod.ts";
import { type Packet, RING_MODIFIER1 } from "../../packet/mod.ts";
import { dataBatchPackets, readOkBatch } from "../batch.ts";
import { decodeRanges, encodeRanges } from "../listen/ranges.ts";
import { BATCH_VAR, readRingPacket, RING_PROTO, ringBytes, RingType } from "../protocol.ts";
import { hostPort } from "../../net/mod.ts";

const log = getLogger("sprog", "link");

/** Payload bytes of a DATA_BATCH at most (what a node accepts: MAX_RING_PAYLOAD). */
const BATCH_PAYLOAD = 16 * 1024;

/** A message a node streams to a subscribed listener. */
export interface RingEvent {
  id: string;
  /** The node the message entered the ring at. */
  node: string;
  /** The pzog message: wrapping digit, content, CRLF. */
  msg: string;
  /** The listened node's sequence number for it (0 from a node that gives none). */
  seq: number;
}

/** How a listener subscribes (SUBSCRIBE vars, docs/PROTOCOL.md). */
export interface SubscribeOptions {
  prefix?: string;
  /** "all", a seq, or a time: replay from there, then live. */
  since?: "all" | number | Date;
  durable?: string;
  group?: string;
  /** A group member's ack_wait in seconds. */
  ackWait?: number;
}

/** What a {@link NodeLink} reports. */
export interface LinkHandlers {
  /** The node recorded message `id`; `held` when it held that id already (a duplicate, not logged again). */
  onOk?(id: string, held: boolean): void;
  /** Any OK, with all its vars (the answer to POSITIONS, POSITION_RM). */
  onAnswer?(id: string, vars: Record<string, string>): void;
  /** The node refused message `id` for `reason`. */
  onRefused?(id: string, reason: string): void;
  /** A subscribed message. */
  onEvent?(ev: RingEvent): void;
  /** The node confirmed a subscription: `seq` its last seq; `from`, `skipped` for a replay. */
  onSubscribed?(vars: Record<string, string>): void;
  /** The node sent ERROR without an id (it closes the connection next), with its reason. */
  onError?(reason: string): void;
  /** A replay reached the node's last message (`seq`); live messages follow. */
  onCaughtUp?(seq: number): void;
  /** The node took `seqs` from this group member (past their ack_wait): do not process them. */
  onMoved?(seqs: number[]): void;
  /** The connection ended; `err` says why when it was not a clean close by us. */
  onClose(err?: Error): void;
}

/** Where and how to connect. */
export interface NodeLinkOptions {
  host: string;
  port: number;
  tls?: TlsClientFiles;
  /** This client's id, sent in HELLO. */
  clientId: string;
  connectTimeoutMs?: number;
  /** Ask for quorum acknowledgements (HELLO `ack` = `quorum`), waited for at most `ackTimeoutMs` by the node. */
  ack?: "local" | "quorum";
  ackTimeoutMs?: number;
}

const decoder = new TextDecoder();
const text = (v: Uint8Array | undefined): string => (v === undefined ? "" : decoder.decode(v));

/**
 * A connected client link to a zog node.
 *
 * @example
 * ```ts
 * const link = await NodeLink.open({ host: "127.0.0.11", port: 55552, clientId: "c5f01d2e7b3a449a" }, { onOk: (id) => console.log("acknowledged", id), onClose: () => {} });
 * link.sendData("c5-1", bytes);
 * ```
 */
export class NodeLink {
  /** When a packet last arrived (ms, the monotonic clock's); a caller waiting for acks uses it to spot a stalled node. */
  lastHeard = systemClock.monotonic();
  /** The node's name from its HELLO, once it arrived. */
  node: string | undefined;
  #conn: Conn;
  #handlers: LinkHandlers;
  #reader: PacketReader;
  #heard = false;
  #refusal: string | undefined;
  #byUs = false;
  /** The node's HELLO said it takes DATA_BATCH. */
  #batches = false;
  /** Messages to send at the end of this turn of the event loop. */
  #outgoing: { id: string; msg: Uint8Array }[] = [];

  private constructor(
    conn: Conn,
    handlers: LinkHandlers,
    readonly where: string,
    tls: boolean,
    withCert = false,
  ) {
    this.#conn = conn;
    this.#handlers = handlers;
    this.#reader = readPackets(conn, {
      decoder: { modifier1: RING_MODIFIER1, family: "ring" },
      what: "node",
      log,
      onPacket: (p) => this.#receive(p),
      onChunk: () => this.#heardNow(),
      onFailure: ({ kind, reason }) =>
        this.abort(kind === "internal" ? `internal error handling the node's answer: ${reason}` : `bad packet from the node: ${reason}`),
    });
    conn.onClose((err) => {
      if (this.#byUs) return handlers.onClose();
      let reason = this.#refusal ?? (!this.#heard && withCert ? `${TLS_CLOSED_REASON} (${err?.message ?? "closed"})` : err?.message);
      if (!reason)
        reason = !this.#heard && tls ? "closed right after connecting (is this client's certificate accepted?)" : "connection closed";
      handlers.onClose(new Error(`${where}: ${reason}`));
    });
  }

  /**
   * Connects and sends HELLO.
   *
   * @throws {Error} "cannot connect to HOST:PORT: ECONNREFUSED" and the like (from `dial`)
   */
  static async open(opts: NodeLinkOptions, handlers: LinkHandlers): Promise<NodeLink> {
    const conn = await dial({ host: opts.host, port: opts.port, tls: opts.tls, timeoutMs: opts.connectTimeoutMs ?? 5000 });
    const where = hostPort(opts.host, opts.port);
    const link = new NodeLink(conn, handlers, where, opts.tls !== undefined, opts.tls?.cert !== undefined);
    const hello: Record<string, string> = { proto: RING_PROTO, client: opts.clientId };
    if (opts.ack) hello.ack = opts.ack;
    if (opts.ack === "quorum" && opts.ackTimeoutMs !== undefined) hello.ack_timeout = String(opts.ackTimeoutMs / 1000);
    conn.write(ringBytes(RingType.HELLO, hello));
    return link;
  }

  /** Whether anything arrived from the node (a refused client hears nothing). */
  get heard(): boolean {
    return this.#heard;
  }

  /** Whether the connection has closed. */
  get closed(): boolean {
    return this.#conn.closed;
  }

  /** Bytes queued but not yet taken by the socket. */
  get bufferedBytes(): number {
    return this.#conn.bufferedBytes;
  }

  /**
   * Sends message `id` (the pzog message `msg`). What is sent in one turn of the event
   * loop goes out as DATA_BATCH packets once the node said it takes them, else one DATA
   * each.
   */
  sendData(id: string, msg: Uint8Array): void {
    if (this.#outgoing.push({ id, msg }) === 1) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const items = this.#outgoing;
    this.#outgoing = [];
    if (this.#conn.closed) return;
    if (this.#batches && items.length > 1) {
      for (const p of dataBatchPackets(RingType.DATA_BATCH, items, BATCH_PAYLOAD)) this.#conn.write(p);
    } else for (const it of items) this.#conn.write(dataPacket(it.id, it.msg));
  }

  /** Asks the node to stream the messages it logs (see {@link SubscribeOptions}). */
  subscribe(opts: SubscribeOptions = {}): void {
    const vars: Record<string, string> = {};
    if (opts.prefix) vars.prefix = opts.prefix;
    if (opts.since instanceof Date) vars.since_time = opts.since.toISOString();
    else if (opts.since !== undefined) vars.since = String(opts.since);
    if (opts.durable !== undefined) vars.durable = opts.durable;
    if (opts.group !== undefined) vars.group = opts.group;
    if (opts.ackWait !== undefined) vars.ack_wait = String(opts.ackWait);
    this.#conn.write(ringBytes(RingType.SUBSCRIBE, vars));
  }

  /** Sends a request the node answers with OK or ERROR carrying `vars.id` (POSITIONS, POSITION_RM). */
  ask(type: typeof RingType.POSITIONS | typeof RingType.POSITION_RM, vars: Record<string, string>): void {
    this.#conn.write(ringBytes(type, vars));
  }

  /** Acknowledges events by seq (durable listeners and group members). */
  ack(seqs: Iterable<number>): void {
    const text = encodeRanges(seqs);
    if (text !== "") this.#conn.write(ringBytes(RingType.EVENT_ACK, { seqs: text }));
  }

  /** Closes the link (queued bytes are still sent); `onClose` is called without an error. */
  close(): void {
    this.#byUs = true;
    this.#conn.close();
  }

  /** Drops the link as failed: `onClose` gets an error with `reason`. */
  abort(reason: string): void {
    this.#refusal ??= reason;
    this.#conn.close();
  }

  #heardNow(): void {
    this.#heard = true;
    this.lastHeard = systemClock.monotonic();
  }

  #receive(p: Packet): void {
    this.#heardNow();
    const m = readRingPacket(p);
    switch (m.type) {
      case RingType.HELLO:
        this.node = text(m.vars.node) || undefined;
        this.#batches = text(m.vars[BATCH_VAR]) === "1";
        return;
      case RingType.KEEPALIVE:
        return this.#conn.write(ringBytes(RingType.ACK));
      case RingType.OK: {
        const all = () => Object.fromEntries(Object.keys(m.vars).map((k) => [k, text(m.vars[k])]));
        if (text(m.vars.id) === "subscribe") this.#handlers.onSubscribed?.(all());
        if (this.#handlers.onAnswer) this.#handlers.onAnswer(text(m.vars.id), all());
        return this.#handlers.onOk?.(text(m.vars.id), text(m.vars.held) === "1");
      }
      case RingType.OK_BATCH:
        for (const id of readOkBatch(m.payload)) this.#handlers.onOk?.(id, false);
        return;
      case RingType.CAUGHT_UP:
        return this.#handlers.onCaughtUp?.(Number(text(m.vars.seq)));
      case RingType.MOVED:
        return this.#handlers.onMoved?.(decodeRanges(text(m.vars.seqs)).flatMap(([a, b]) => seqsOf(a, b)));
      case RingType.ERROR: {
        const reason = text(m.vars.reason) || "no reason given";
        if (m.vars.id !== undefined) return this.#handlers.onRefused?.(text(m.vars.id), reason);
        this.#handlers.onError?.(reason);
        this.#reader.stop();
        return this.abort(`the node refused the connection: ${reason}`);
      }
      case RingType.EVENT:
        return this.#handlers.onEvent?.({
          id: text(m.vars.id),
          node: text(m.vars.node),
          msg: text(m.vars.msg),
          seq: Number(text(m.vars.seq)) || 0,
        });
    }
  }
}

/**
 * A one-message DATA packet.
 *
 * @example
 * ```ts
 * import { pzogMessage } from "./content.ts";
 * conn.write(dataPacket("c5f01d2e7b3a449a-1", pzogMessage("hello")));
 * ```
 */
export function dataPacket(id: string, msg: Uint8Array): Uint8Array {
  return ringBytes(RingType.DATA, { id, msg });
}

/** The seqs from `a` to `b` (at most 100 000: a MOVED frame names what one member held). */
function seqsOf(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, Math.min(b - a + 1, 100_000)) }, (_, i) => a + i);
}
