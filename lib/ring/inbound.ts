/**
 * Connections this node accepts: peers on the peer port (after HELLO), clients and
 * listeners on the client port.
 *
 * @module
 */
import type { Conn, ConnGuard, PacketReader, Strangers } from "../net/mod.ts";
import type { ClientPort } from "./client_port.ts";
import { certMatches } from "../tls/mod.ts";
import { getLogger } from "../log/mod.ts";
import { systemClock } from "../clock.ts";
import { checkMessage } from "./message.ts";
import { fanOut } from "./forwarding.ts";
import type { Incoming, ZogNode } from "./node.ts";
import { type AckMode, QUORUM_WAIT_MS } from "./quorum.ts";
import { Answers } from "./answers.ts";
import { forEachDataItem } from "./batch.ts";
import { answerFetch } from "./peer_fetch.ts";
import { readMessages, varText } from "./packet_reader.ts";
import { decodeRanges } from "./listen/ranges.ts";
import { subscribeRequest } from "./listen/subscribe_request.ts";
import { answerPositions, removePosition } from "./position_admin.ts";
import { BATCH_VAR, ID_RE, RING_PROTO, type RingMessage, ringBytes, RingType, ringTypeName } from "./protocol.ts";

const log = getLogger("zog", "conn");

/** Unsent answer bytes a client may leave unread before it is disconnected. */
export const CLIENT_UNREAD_LIMIT = 8 * 1024 * 1024;

function send(conn: Conn, type: RingType, vars: Record<string, string | Uint8Array> = {}): void {
  conn.write(ringBytes(type, vars));
}

/** Who sent an invalid message, for error.log: "client ADDR" or "peer NAME ADDR". */
function senderOf(node: ZogNode, conn: Conn, from: "client" | number): string {
  return from === "client" ? `client ${conn.remote}` : `peer ${node.nodes[from]!.name} ${conn.remote}`;
}

/**
 * A valid DATA from a connection, waiting for the node's commit: answered on that
 * connection's {@link Answers} by a method, not a closure made per message.
 */
class Received implements Incoming {
  held?: boolean;

  constructor(
    readonly id: string,
    readonly content: string,
    readonly msg: Uint8Array,
    readonly from: "client" | number,
    readonly wrapping: number,
    readonly origin: number,
    readonly answers: Answers,
    readonly batched: boolean,
    readonly quorumMs: number | undefined,
    readonly prompt: boolean,
  ) {}

  reply(error?: string): void {
    if (error) this.answers.error(this.id, error);
    else this.answers.ok(this.id, this.batched, this.held);
  }
}

/**
 * Handles one message of a DATA or DATA_BATCH from a client (`from` "client") or a peer
 * (its position; `originName` names the node the message entered the ring at).
 */
function takeData(
  node: ZogNode,
  conn: Conn,
  answers: Answers,
  from: "client" | number,
  id: string,
  msg: Uint8Array,
  originName: string | undefined,
  batched: boolean,
  quorumMs: number | undefined,
  prompt: boolean,
): void {
  if (!ID_RE.test(id)) {
    node.invalid(senderOf(node, conn, from), `bad message id "${id.slice(0, 70)}": 1-64 of [A-Za-z0-9._:-]`, msg);
    // Echoed (cut to 64 characters) so the client can tell which message was refused.
    return answers.error(id.slice(0, 64), "bad message id: 1-64 of [A-Za-z0-9._:-]");
  }
  const check = checkMessage(msg, fanOut(node.nodes.length));
  if (!check.ok) {
    node.invalid(senderOf(node, conn, from), check.reason, msg);
    return answers.error(id, check.reason);
  }
  let origin = node.self.index;
  if (from !== "client") origin = node.positionOf(originName ?? "") ?? from;
  node.submit(new Received(id, check.content, msg, from, check.wrapping, origin, answers, batched, quorumMs, prompt));
}

/** Handles a DATA (one message) or a DATA_BATCH (many: read in one pass, {@link forEachDataItem}). */
function onData(node: ZogNode, conn: Conn, answers: Answers, m: RingMessage, from: "client" | number, quorumMs?: number): void {
  if (m.type === RingType.DATA) {
    const msg = m.vars.msg ?? new Uint8Array(0);
    return takeData(node, conn, answers, from, varText(m, "id"), msg, varText(m, "origin"), false, quorumMs, varText(m, "sync") === "1");
  }
  forEachDataItem(m.payload, (id, msg, origin, prompt) => {
    if (!conn.closed) takeData(node, conn, answers, from, id, msg, origin, true, quorumMs, prompt);
  });
}

/** Watches an accepted connection: closed when nothing is heard for `idleMs` (on the monotonic clock: a step of the wall clock closes nothing). */
function watchIdle(conn: Conn, idleMs: number, what: string): () => void {
  let heard = systemClock.monotonic();
  const timer = setInterval(
    () => {
      if (systemClock.monotonic() - heard <= idleMs) return;
      // Once: a close can take a while to complete (a peer that does not answer it).
      clearInterval(timer);
      log.warn("closing {what} {remote}: nothing heard for {s} s", { what, remote: conn.remote, s: idleMs / 1000 });
      conn.close();
    },
    Math.max(100, idleMs / 4),
  );
  conn.onClose(() => clearInterval(timer));
  return () => (heard = systemClock.monotonic());
}

/**
 * Serves a connection accepted on the peer port: the first packet must be HELLO naming a
 * ring member (and, with TLS, the certificate must name it or its host).
 *
 * @example
 * ```ts
 * listen({ host, port: self.peerPort, onConn: (c) => servePeer(node, c, { tls: false, keepaliveMs: 300_000 }) });
 * ```
 */
export function servePeer(node: ZogNode, conn: Conn, opts: { tls: boolean; keepaliveMs: number; strangers?: Strangers }): void {
  let peer: number | undefined;
  const answers = new Answers(conn);
  const heard = watchIdle(conn, 2 * opts.keepaliveMs, "peer link from");
  const strangers = opts.strangers;
  const beforeHello = strangers ? (partial: boolean) => peer === undefined && strangers.heard(conn, partial) : undefined;
  const reader: PacketReader = readMessages(
    conn,
    "peer",
    (m) => {
      heard();
      if (peer === undefined) {
        if (m.type !== RingType.HELLO) return refuse(reader, `expected HELLO, got ${ringTypeName(m.type)}`);
        const spoken = protoMismatch(m, true);
        if (spoken) return refuse(reader, spoken);
        const name = varText(m, "node");
        const n = node.nodes.find((x) => x.name === name);
        if (!n || n.index === node.self.index) return refuse(reader, `"${name}" is not a peer in this ring`);
        if (opts.tls && !certMatches(conn.peerNames, [n.name, n.host])) {
          return refuse(reader, `certificate names ${conn.peerNames.join(", ") || "nothing"}, not ${n.name} or ${n.host}`);
        }
        strangers?.identified(conn);
        peer = n.index;
        log.info("peer {name} connected from {remote}", { name, remote: conn.remote });
        send(conn, RingType.HELLO, { proto: RING_PROTO, node: node.self.name, [BATCH_VAR]: "1" });
        conn.onClose(node.peerDialledIn(peer));
        return;
      }
      switch (m.type) {
        case RingType.DATA:
        case RingType.DATA_BATCH:
          return onData(node, conn, answers, m, peer);
        case RingType.KEEPALIVE:
          return send(conn, RingType.ACK);
        case RingType.FETCH:
          return answerFetch(node.listeners.store, m, (bytes) => conn.write(bytes));
        case RingType.HELLO:
        case RingType.ACK:
          return;
        default:
          return refuse(reader, `unexpected ${ringTypeName(m.type)} on a peer link`);
      }
    },
    { onChunk: beforeHello },
  );
}

/** A message's vars as text. */
function textVars(m: RingMessage): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const k of Object.keys(m.vars)) vars[k] = varText(m, k);
  return vars;
}

function subscribe(node: ZogNode, reader: PacketReader, m: RingMessage): void {
  const conn = reader.conn;
  const vars = textVars(m);
  let reply;
  try {
    const req = subscribeRequest(vars);
    reply = node.listeners.subscribe(conn, req);
    const what = req.group ? `group ${req.group}` : req.durable ? `durable ${req.durable}` : "messages";
    log.info("listener {remote} subscribed ({what}, prefix {prefix}{from})", {
      remote: conn.remote,
      what,
      prefix: req.prefix,
      from: reply.from ? `, from seq ${reply.from}` : "",
    });
  } catch (e) {
    return refuse(reader, `cannot subscribe: ${(e as Error).message}`);
  }
  send(conn, RingType.OK, reply);
}

/**
 * Why a HELLO's protocol is not ours ("unknown protocol ..."), or undefined when it is.
 * A peer must name it; a client may leave it out.
 */
function protoMismatch(m: RingMessage, required: boolean): string | undefined {
  const proto = varText(m, "proto");
  if (proto === RING_PROTO || (proto === "" && !required)) return undefined;
  return `unknown protocol ${JSON.stringify(proto.slice(0, 64))}: this node speaks ${RING_PROTO}`;
}

/** The quorum wait of a connection in `mode` (undefined: local acks), `seconds` from HELLO's `ack_timeout` ("" for the default). */
function ackWait(mode: AckMode, seconds: string): number | undefined {
  if (mode === "local") return undefined;
  if (seconds === "") return QUORUM_WAIT_MS;
  const s = Number(seconds);
  if (!Number.isFinite(s) || s <= 0 || s > 3600)
    throw new Error(`bad ack_timeout "${seconds.slice(0, 32)}": seconds, above 0 and at most 3600`);
  return s * 1000;
}

/**
 * A client's HELLO vars `ack` (`local` | `quorum`) and `ack_timeout` (seconds): the
 * connection's quorum wait from now on (`current` when it names no `ack`).
 *
 * @throws {Error} on an `ack` or `ack_timeout` that is not one of those
 */
function helloAck(node: ZogNode, m: RingMessage, current: number | undefined): number | undefined {
  const ack = varText(m, "ack");
  if (ack === "") return m.vars.ack_timeout === undefined ? current : ackWait(node.ackMode, varText(m, "ack_timeout"));
  if (ack !== "local" && ack !== "quorum") throw new Error(`unknown ack "${ack.slice(0, 32)}": "local" or "quorum"`);
  return ackWait(ack, varText(m, "ack_timeout"));
}

/** Refuses a connection: logged, answered ERROR {reason}, closed; the packets it sent after are not read. */
function refuse(reader: PacketReader, reason: string): void {
  const conn = reader.conn;
  log.warn("refusing {remote}: {reason}", { remote: conn.remote, reason });
  reader.stop();
  send(conn, RingType.ERROR, { reason });
  conn.close();
}

/**
 * Serves a connection accepted on the client port: DATA, keepAlive, HELLO, SUBSCRIBE.
 * `first`: its first chunk, when it was already read (see text_client.ts).
 * `guard`, the port's limits ({@link ClientPort}), hears of every chunk read and caps the
 * listeners it lets off the idle limit.
 *
 * @example
 * ```ts
 * import type { ClientPort } from "./client_port.ts";
 * declare const clientPort: ClientPort;
 * listen({ host, port: self.clientPort, onConn: (c) => serveClient(node, c, clientPort.guard) });
 * ```
 */
export function serveClient(node: ZogNode, conn: Conn, guard?: ConnGuard<Conn>, first?: Uint8Array): void {
  log.debug("client connected from {remote}", { remote: conn.remote });
  const answers = new Answers(conn);
  let quorumMs = ackWait(node.ackMode, "");
  const heard = guard ? (partial: boolean) => guard.heard(conn, partial) : undefined;
  const reader: PacketReader = readMessages(
    conn,
    "client",
    (m) => {
      switch (m.type) {
        case RingType.DATA:
        case RingType.DATA_BATCH:
          // A client that sends without reading its answers would grow them without bound.
          if (conn.bufferedBytes > CLIENT_UNREAD_LIMIT) return refuse(reader, `answers not read: over ${CLIENT_UNREAD_LIMIT} bytes unsent`);
          return onData(node, conn, answers, m, "client", quorumMs);
        case RingType.KEEPALIVE:
          return send(conn, RingType.ACK);
        case RingType.HELLO: {
          const spoken = protoMismatch(m, false);
          if (spoken) return refuse(reader, spoken);
          try {
            quorumMs = helloAck(node, m, quorumMs);
          } catch (e) {
            return refuse(reader, (e as Error).message);
          }
          return send(conn, RingType.HELLO, { proto: RING_PROTO, node: node.self.name, [BATCH_VAR]: "1" });
        }
        case RingType.SUBSCRIBE:
          // A listener may stay silent for good: only so many are let off client_idle.
          if (guard && !guard.exemptFromIdle(conn))
            return refuse(reader, `too many listeners: max_listeners ${guard.limits.maxExempt} reached`);
          return subscribe(node, reader, m);
        case RingType.EVENT_ACK: {
          let ranges;
          try {
            ranges = decodeRanges(varText(m, "seqs"));
          } catch (e) {
            return refuse(reader, `bad EVENT_ACK: ${(e as Error).message}`);
          }
          return node.listeners.ack(conn, ranges);
        }
        case RingType.POSITIONS:
          return answerPositions(node, conn, textVars(m));
        case RingType.POSITION_RM:
          return removePosition(node, conn, textVars(m));
        case RingType.ACK:
          return;
        default:
          return refuse(reader, `unexpected ${ringTypeName(m.type)} from a client`);
      }
    },
    { onChunk: heard, first },
  );
}
