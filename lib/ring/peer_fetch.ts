/**
 * Fetching a peer's copy of the ring's messages (docs/PROTOCOL.md, FETCH): a node that lost
 * or damaged messages, or `zog verify --peer`, dials a peer's peer port, says HELLO as its
 * node, and asks FETCH {since_time} then FETCH {from} page by page; the peer answers each
 * with FETCHED packets (the DATA_BATCH form: `id`, `msg`, `origin` repeated; `msg` is the
 * content with wrapping 0 and CRLF) and one FETCH_DONE {next, last}. Only whole rows are
 * served: a row that fails its checksum is never sent.
 *
 * @module
 */
import { type Conn, dial } from "../net/mod.ts";
import type { RingNode } from "../config/mod.ts";
import { certMatches, type TlsClientFiles } from "../tls/mod.ts";
import { getLogger } from "../log/mod.ts";
import type { RingStore } from "./listen/store.ts";
import { dataBatchPackets, readDataBatch } from "./batch.ts";
import { MAX_RING_PAYLOAD, readMessages, varText } from "./packet_reader.ts";
import { RING_PROTO, type RingMessage, ringBytes, RingType } from "./protocol.ts";

const log = getLogger("zog", "fetch");

/** Messages one FETCH is answered with, at most. */
export const FETCH_PAGE = 2000;

/** A message as a peer holds it. */
export interface FetchedMessage {
  id: string;
  /** The name of the node the message entered the ring at. */
  origin: string;
  /** The content: no wrapping digit, no CRLF. */
  content: string;
}

/**
 * Answers a FETCH on an accepted peer link from this node's store: FETCHED packets with up
 * to {@link FETCH_PAGE} messages from `from` (or from the first logged at or after
 * `since_time`, ms since the epoch), then FETCH_DONE {next, last}.
 *
 * @param store the node's store; without one the answer is empty (`next` = `last` + 1)
 * @throws {Error} when the store cannot be read
 * @example
 * ```ts
 * declare const store: RingStore, conn: Conn, m: RingMessage;
 * answerFetch(store, m, (bytes) => conn.write(bytes));
 * ```
 */
export function answerFetch(store: RingStore | undefined, m: RingMessage, write: (bytes: Uint8Array) => void): void {
  if (!store) return write(ringBytes(RingType.FETCH_DONE, { next: "1", last: "0" }));
  const sinceTime = varText(m, "since_time");
  const from = sinceTime !== "" ? store.seqAtTime(Number(sinceTime) || 0) : Math.max(1, Number(varText(m, "from")) || 1);
  const start = Math.max(from, store.oldestSeq());
  const rows = start <= store.lastSeq ? store.read(start, FETCH_PAGE) : [];
  const items = rows.map((r) => ({ id: r.id, msg: `0${r.content}\r\n`, origin: r.origin }));
  for (const p of dataBatchPackets(RingType.FETCHED, items, MAX_RING_PAYLOAD)) write(p);
  // A page cut short by damaged rows still moves on past them.
  const next = rows.length > 0 ? rows[rows.length - 1]!.seq + 1 : Math.max(start, store.lastSeq + 1);
  write(ringBytes(RingType.FETCH_DONE, { next: String(next), last: String(store.lastSeq) }));
}

/** Where and as whom to fetch. */
export interface FetchFrom {
  /** The peer's address and peer port. */
  host: string;
  port: number;
  /** The node this fetch speaks for (its HELLO names it; with TLS, its certificate). */
  self: string;
  /** The peer's name, when known: its HELLO and certificate must name it. */
  peer?: RingNode;
  tls?: TlsClientFiles;
  /** The first message wanted: the first the peer logged at or after this time (ms since the epoch). */
  sinceMs: number;
  /** A silence longer than this ends the fetch with an error. */
  timeoutMs?: number;
  /** Keep only the peer's last this many messages (what the fetch holds in memory stays bounded). */
  max?: number;
  /** Keep only the messages this says yes to (the others are read and dropped). */
  keep?: (m: FetchedMessage) => boolean;
}

/**
 * Fetches every message the peer holds that it logged at or after `sinceMs`, in its seq
 * order.
 *
 * @throws {Error} when the peer cannot be reached, refuses, names itself otherwise, or
 *   goes silent for `timeoutMs` (default 10 s)
 * @example
 * ```ts
 * const msgs = await fetchFromPeer({ host: "127.0.0.12", port: 55551, self: "MV", sinceMs: 0 });
 * console.log(`${msgs.length} messages held by the peer`);
 * ```
 */
export async function fetchFromPeer(to: FetchFrom): Promise<FetchedMessage[]> {
  const where = `${to.peer?.name ?? "peer"} ${to.host}:${to.port}`;
  const timeoutMs = to.timeoutMs ?? 10_000;
  let conn: Conn;
  try {
    conn = await dial({ host: to.host, port: to.port, tls: to.tls, timeoutMs });
  } catch (e) {
    throw new Error(`cannot fetch from ${where}: ${(e as Error).message}`, { cause: e });
  }
  if (to.tls && to.peer && !certMatches(conn.peerNames, [to.peer.name, to.peer.host])) {
    conn.close();
    throw new Error(`cannot fetch from ${where}: its certificate names ${conn.peerNames.join(", ") || "nothing"}`);
  }
  return new Promise<FetchedMessage[]>((resolve, reject) => {
    const got: FetchedMessage[] = [];
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      conn.close();
      if (err) reject(err);
      else resolve(got);
    };
    let timer = setTimeout(() => finish(new Error(`cannot fetch from ${where}: nothing heard for ${timeoutMs / 1000} s`)), timeoutMs);
    const heard = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(new Error(`cannot fetch from ${where}: nothing heard for ${timeoutMs / 1000} s`)), timeoutMs);
    };
    readMessages(conn, `fetch from ${where}`, (m) => {
      heard();
      switch (m.type) {
        case RingType.HELLO:
          if (to.peer && varText(m, "node") !== to.peer.name)
            return finish(new Error(`cannot fetch from ${where}: it says it is ${JSON.stringify(varText(m, "node").slice(0, 64))}`));
          return conn.write(ringBytes(RingType.FETCH, { since_time: String(to.sinceMs) }));
        case RingType.FETCHED:
          for (const it of readDataBatch(m.payload)) {
            const f = fetched(it);
            if (!to.keep || to.keep(f)) got.push(f);
          }
          return;
        case RingType.FETCH_DONE: {
          let next = Number(varText(m, "next"));
          const last = Number(varText(m, "last"));
          if (to.max !== undefined) {
            // Past the last `max`: skipped, not fetched; what was fetched before them dropped.
            next = Math.max(next, last - to.max + 1);
            if (got.length > to.max) got.splice(0, got.length - to.max);
          }
          if (!(next <= last)) return finish();
          return conn.write(ringBytes(RingType.FETCH, { from: String(next) }));
        }
        case RingType.ERROR:
          return finish(new Error(`cannot fetch from ${where}: it refused: ${varText(m, "reason")}`));
      }
    });
    conn.onClose((err) => finish(new Error(`cannot fetch from ${where}: connection closed${err ? ` (${err.message})` : ""}`)));
    conn.write(ringBytes(RingType.HELLO, { proto: RING_PROTO, node: to.self }));
    log.debug("fetching from {where} since {since}", { where, since: to.sinceMs });
  });
}

const dec = new TextDecoder();

function fetched(it: { id: string; msg: Uint8Array; origin?: string }): FetchedMessage {
  const text = dec.decode(it.msg);
  return { id: it.id, origin: it.origin ?? "?", content: text.slice(1, text.endsWith("\r\n") ? -2 : undefined) };
}
