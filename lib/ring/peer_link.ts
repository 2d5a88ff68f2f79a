/**
 * The link this node dials to one peer: HELLO, keepAlive/ack, and the queue of messages
 * owed to that peer (sent in a window, each removed when the peer answers OK).
 *
 * Each node dials every other node and sends its DATA on the link it dialled; it answers
 * the DATA of others on the links it accepted. Two TCP connections per pair, no race.
 *
 * @module
 */
import { backoffMs, type BackoffPolicy, type Conn, dial, DialRefusedError } from "../net/mod.ts";
import type { RingNode } from "../config/mod.ts";
import { certMatches, type TlsClientFiles } from "../tls/mod.ts";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { getLogger } from "../log/mod.ts";
import type { Entry } from "./entry.ts";
import { rewrap } from "./message.ts";
import { type BatchItem, DataBatchWriter, readOkBatch } from "./batch.ts";
import { type LinkAction, type LinkEvent, type LinkPhase, linkStep, Redial } from "./link_lifecycle.ts";
import { MAX_RING_PAYLOAD, readMessages, varText } from "./packet_reader.ts";
import { BATCH_VAR, RING_PROTO, type RingMessage, ringBytes, RingType } from "./protocol.ts";

/**
 * Redials of a missing peer: first retry within 250 ms, doubling to 2 s, 20% jitter: a
 * healed partition is found within seconds however long it lasted (one SYN per peer
 * every 2 s costs nothing).
 */
export const PEER_REDIAL: BackoffPolicy = { firstMs: 250, maxMs: 2000, jitter: 0.2 };

/**
 * Redials of a peer that refused what it was sent (ERROR: e.g. its disk is full), or whose
 * host refuses the connection (nothing listens: the node is down): doubling to 30 s. A
 * node that starts dials every peer, and its accepted HELLO makes the link to it dial at
 * once; a node alone does not wake every 2 s for a peer that is not there.
 */
export const PEER_REFUSED_REDIAL: BackoffPolicy = { firstMs: 250, maxMs: 30_000, jitter: 0.2 };

/**
 * The longest a link's liveness probe waits, whatever ring.toml's `keepalive` (the seed's
 * ceiling on keep-alive spacing, up to 300 s, is not a floor): an idle link is probed at
 * least every half of it and declared dead after twice it without a word.
 */
export const PROBE_CEILING_MS = 2000;

/**
 * The probe period of a link: `keepalive`, at most {@link PROBE_CEILING_MS}. The link sends
 * KEEPALIVE when it sent nothing for half of it, and is dead or hung after twice it.
 *
 * @param keepaliveMs ring.toml's `keepalive`, in ms
 * @example
 * ```ts
 * probeMs(300_000); // 2000: a dead peer is found within 4 s
 * probeMs(1000); // 1000
 * ```
 */
export function probeMs(keepaliveMs: number): number {
  return Math.min(keepaliveMs, PROBE_CEILING_MS);
}

const log = getLogger("zog", "link");

/** A message for a peer that takes one DATA each: `prompt` asks it to answer without waiting for a later fsync. */
type OneData = BatchItem & { prompt?: boolean };

/** The vars of a DATA to a peer: `sync` = `1` for a prompt one (a peer that does not know it ignores it). */
function dataVars(it: OneData): Record<string, string | Uint8Array> {
  const vars: Record<string, string | Uint8Array> = { id: it.id, msg: it.msg, origin: it.origin! };
  if (it.prompt) vars.sync = "1";
  return vars;
}

/** Messages sent to a peer and not yet acknowledged, at most. */
export const SEND_WINDOW = 1000;
/** Messages kept for one peer while it is away, at most (documented in docs/ring.md). */
export const MAX_BACKLOG = 200_000;

/** What a link tells its node. */
export interface LinkOwner {
  readonly selfName: string;
  readonly originName: (position: number) => string;
  linkDown(peer: number): void;
  /** The peer acknowledged these messages (one call per OK or OK_BATCH). */
  ackedAll(peer: number, ids: readonly string[]): void;
  /** `count` messages went out to a peer. */
  sent(count: number): void;
  backlogDropped(peer: number, entry: Entry): void;
}

/** Link options. */
export interface PeerLinkOptions {
  keepaliveMs: number;
  tls?: TlsClientFiles;
  /** Timers, the wall clock of `lastAck` and the monotonic one of its timeouts. Default: the system clock. */
  clock?: Clock;
  /** What calls {@link PeerLink.tick}: woken when the link has a connection to watch (it rests while none has). */
  ticker?: { wake(): void };
  /** Called after a failed dial: one-off work whose pages a quiet node drops again (lib/proc/settle_pages.ts). */
  settle?: () => void;
}

/** The state shown in /status. */
export type LinkState = "connecting" | "up" | "down";

/**
 * The outgoing link to one peer. Its lifecycle is the table of link_lifecycle.ts; this
 * class carries out the table's actions with a socket and a timer.
 *
 * @example
 * ```ts
 * declare const peer: RingNode, entry: Entry;
 * const link = new PeerLink(peer, node, { keepaliveMs: 300_000 }); link.dialNow(); link.enqueue(entry);
 * ```
 */
export class PeerLink {
  /** The state shown in /status: "connecting" until the first outage, then "up" or "down". */
  state: LinkState = "connecting";
  /** When the peer last answered a keepAlive (ms since the epoch). */
  lastAck: number | undefined;
  /** Messages owed to the peer, oldest first. */
  readonly queue = new Map<string, Entry>();
  #phase: LinkPhase = "idle";
  #unsent: string[] = [];
  #head = 0;
  #inflight = new Set<string>();
  #conn: Conn | undefined;
  /** The connection a dial just brought, until the "greet" action takes it. */
  #dialled: Conn | undefined;
  /** Why the link went down, for the log. */
  #why: { reason: string; dialFailed: boolean } | undefined;
  readonly #redial = new Redial((attempt, long) => backoffMs(attempt, long ? PEER_REFUSED_REDIAL : PEER_REDIAL));
  /** The peer's HELLO said it takes DATA_BATCH. */
  #batches = false;
  #timer: TimerHandle | undefined;
  /** Monotonic times (the clock's): last packet heard, last packet sent. */
  #lastHeard = 0;
  #lastSent = 0;
  /** When an OK last arrived or the window went from empty to busy: a peer that answers keepAlives but acknowledges nothing is hung too. */
  #lastProgress = 0;
  readonly #clock: Clock;

  constructor(
    readonly peer: RingNode,
    readonly owner: LinkOwner,
    readonly opts: PeerLinkOptions,
  ) {
    this.#clock = opts.clock ?? systemClock;
  }

  /** Where the link is in its lifecycle (see link_lifecycle.ts). */
  get phase(): LinkPhase {
    return this.#phase;
  }

  /** Dials now (also used when the peer dialled us: it is back, no need to wait). */
  dialNow(): void {
    this.#on("dial");
  }

  /** Closes the link for good (the node stops). */
  stop(): void {
    this.#on("stop");
  }

  /**
   * Adds a message owed to the peer; sends it at once when the link is up, or, with
   * `later`, at the next {@link sendQueued} (so one commit's messages share a DATA_BATCH).
   */
  enqueue(entry: Entry, later = false): void {
    if (this.queue.has(entry.id)) return;
    if (this.queue.size >= MAX_BACKLOG) {
      const [oldId, old] = this.queue.entries().next().value!;
      this.queue.delete(oldId);
      this.owner.backlogDropped(this.peer.index, old);
    }
    this.queue.set(entry.id, entry);
    if (this.#phase === "up") {
      this.#unsent.push(entry.id);
      if (!later) this.#pump();
    }
  }

  /** Sends what the window allows of the messages enqueued `later`. */
  sendQueued(): void {
    this.#pump();
  }

  /** Hands the messages sent so far to the socket now (see the node's "logged after forwarding"). */
  flush(): void {
    this.#conn?.flush();
  }

  /** Whether the link has a connection for {@link PeerLink.tick} to watch (greeting or up). */
  get connected(): boolean {
    return this.#conn !== undefined;
  }

  /** Called by the node's ticker: keepAlives and the dead-link check. */
  tick(): void {
    const conn = this.#conn;
    if (!conn) return;
    const now = this.#clock.monotonic();
    const ka = probeMs(this.opts.keepaliveMs);
    if (now - this.#lastHeard > 2 * ka) {
      log.warn("link to {peer}: nothing heard for {s} s, closing", { peer: this.peer.name, s: (2 * ka) / 1000 });
      return this.#drop(conn);
    }
    if (this.#inflight.size > 0 && now - this.#lastProgress > 2 * ka) {
      log.warn("link to {peer}: no OK for {s} s with {n} messages waiting, closing", {
        peer: this.peer.name,
        s: (2 * ka) / 1000,
        n: this.#inflight.size,
      });
      return this.#drop(conn);
    }
    if (this.#phase === "up" && now - this.#lastSent >= ka / 2) this.#send(RingType.KEEPALIVE, {});
  }

  /** Moves the lifecycle on `event` and carries out the table's actions. */
  #on(event: LinkEvent): void {
    const step = linkStep(this.#phase, event);
    if (!step) {
      log.error("link to {peer}: {event} while {phase}: not expected (a bug of zog); ignored", {
        peer: this.peer.name,
        event,
        phase: this.#phase,
      });
      return;
    }
    this.#phase = step.next;
    for (const action of step.actions) this.#act(action);
  }

  #act(action: LinkAction): void {
    switch (action) {
      case "connect":
        return void this.#connect();
      case "greet":
        return this.#greet();
      case "discard":
        return this.#takeDialled()?.close();
      case "goUp":
        return this.#goUp();
      case "goDown":
        return this.#goDown();
      case "scheduleRetry":
        this.#timer = this.#clock.setTimeout(() => {
          this.#timer = undefined;
          this.#on("dial");
        }, this.#redial.nextWait());
        return;
      case "cancelRetry":
        this.#clock.clearTimeout(this.#timer);
        this.#timer = undefined;
        return;
      case "close":
        return this.#conn?.close();
    }
  }

  /**
   * Gives up on a link now: a hung peer may never take what is queued, so the link is down
   * (and its duty taken over) at once, not when the close completes.
   */
  #drop(conn: Conn): void {
    conn.close();
    this.#closed(conn);
  }

  async #connect(): Promise<void> {
    const p = this.peer;
    let conn: Conn;
    try {
      conn = await dial({ host: p.host, port: p.peerPort, tls: this.opts.tls, timeoutMs: 2 * probeMs(this.opts.keepaliveMs) });
    } catch (e) {
      this.#redial.absent(e instanceof DialRefusedError);
      return this.#dialFailed((e as Error).message);
    }
    this.#redial.absent(false);
    if (this.opts.tls && !certMatches(conn.peerNames, [p.name, p.host])) {
      conn.close();
      return this.#dialFailed(`its certificate names ${conn.peerNames.join(", ") || "nothing"}, not ${p.name} or ${p.host}`);
    }
    this.#dialled = conn;
    this.#on("connected");
  }

  #takeDialled(): Conn | undefined {
    const conn = this.#dialled;
    this.#dialled = undefined;
    return conn;
  }

  #dialFailed(reason: string): void {
    this.#why = { reason, dialFailed: true };
    this.#on("dialFailed");
    this.opts.settle?.();
  }

  /** Takes the dialled connection: reads the peer's packets, sends HELLO. */
  #greet(): void {
    const conn = this.#takeDialled()!;
    this.#conn = conn;
    this.#lastHeard = this.#clock.monotonic();
    readMessages(conn, `peer ${this.peer.name}`, (m) => this.#receive(conn, m));
    conn.onClose((err) => this.#closed(conn, err));
    this.#send(RingType.HELLO, { proto: RING_PROTO, node: this.owner.selfName });
    this.opts.ticker?.wake();
  }

  #receive(conn: Conn, m: RingMessage): void {
    this.#lastHeard = this.#clock.monotonic();
    switch (m.type) {
      case RingType.HELLO:
        this.#batches = varText(m, BATCH_VAR) === "1";
        return this.#hello(conn, varText(m, "node"));
      case RingType.ACK:
        this.lastAck = this.#clock.now();
        return;
      case RingType.KEEPALIVE:
        return this.#send(RingType.ACK, {});
      case RingType.OK:
        this.#ok([varText(m, "id")]);
        return this.#pump();
      case RingType.OK_BATCH:
        this.#ok(readOkBatch(m.payload));
        return this.#pump();
      case RingType.ERROR:
        log.warn("link to {peer}: {reason}", { peer: this.peer.name, reason: varText(m, "reason") });
        this.#redial.refused();
        conn.close();
        return;
    }
  }

  #hello(conn: Conn, name: string): void {
    // A connection dropped for silence may still deliver its HELLO: it makes nothing up.
    if (conn !== this.#conn) return;
    if (name !== this.peer.name) {
      log.error("link to {host}: it says it is {name}, expected {peer}", { host: this.peer.host, name, peer: this.peer.name });
      conn.close();
      return;
    }
    this.#on("hello");
  }

  #goUp(): void {
    this.state = "up";
    // A peer that keeps refusing what we send (e.g. its disk is full) is redialled with a
    // growing backoff until it acknowledges something again.
    this.#redial.greeted();
    this.lastAck = this.#clock.now();
    log.info("link to {peer} up ({n} queued)", { peer: this.peer.name, n: this.queue.size });
    this.#inflight.clear();
    this.#unsent = [...this.queue.keys()];
    this.#head = 0;
    this.#pump();
  }

  #closed(conn: Conn, err?: Error): void {
    if (this.#conn !== conn) return;
    this.#why = { reason: err?.message ?? "closed", dialFailed: false };
    this.#on("closed");
  }

  /** The connection is gone or never came: the node takes over the peer's duty, once per outage. */
  #goDown(): void {
    const why = this.#why ?? { reason: "closed", dialFailed: false };
    this.#why = undefined;
    this.#conn = undefined;
    this.#inflight.clear();
    this.#unsent = [];
    this.#head = 0;
    if (why.dialFailed) {
      const props = { peer: this.peer.name, reason: why.reason };
      if (this.#redial.fresh) log.warn("cannot reach {peer}: {reason}", props);
      else log.debug("cannot reach {peer}: {reason}", props);
    } else if (this.state === "up") log.warn("link to {peer} down: {why}", { peer: this.peer.name, why: why.reason });
    if (this.state === "down") return;
    this.state = "down";
    this.owner.linkDown(this.peer.index);
  }

  #ok(ids: readonly string[]): void {
    this.#lastProgress = this.#clock.monotonic();
    this.#redial.acknowledged();
    const done: string[] = [];
    for (const id of ids) {
      this.#inflight.delete(id);
      if (this.queue.delete(id)) done.push(id);
    }
    if (done.length > 0) this.owner.ackedAll(this.peer.index, done);
  }

  #pump(): void {
    if (this.#phase !== "up") return;
    // Written straight into the packet (a peer that takes DATA_BATCH), else kept for one DATA each.
    let packets: DataBatchWriter | undefined;
    const items: OneData[] = [];
    let count = 0;
    while (this.#inflight.size < SEND_WINDOW && this.#head < this.#unsent.length) {
      const id = this.#unsent[this.#head++]!;
      const entry = this.queue.get(id);
      const wrapping = entry?.dests.get(this.peer.index);
      if (!entry || wrapping === undefined || this.#inflight.has(id)) continue;
      if (this.#inflight.size === 0) this.#lastProgress = this.#clock.monotonic();
      this.#inflight.add(id);
      count++;
      const origin = this.owner.originName(entry.origin);
      // The bytes received, copied into the packet with this hop's digit; else the text, as UTF-8.
      const msg = entry.msg ?? `${wrapping}${entry.content}\r\n`;
      if (this.#batches)
        (packets ??= new DataBatchWriter(RingType.DATA_BATCH, MAX_RING_PAYLOAD)).add(
          id,
          msg,
          origin,
          entry.msg ? wrapping : undefined,
          entry.prompt,
        );
      else items.push({ id, msg: entry.msg ? rewrap(entry.msg, wrapping) : msg, origin, prompt: entry.prompt });
    }
    if (this.#head > 4096 && this.#head * 2 > this.#unsent.length) {
      this.#unsent = this.#unsent.slice(this.#head);
      this.#head = 0;
    }
    if (count === 0) return;
    this.#lastSent = this.#clock.monotonic();
    if (packets) for (const p of packets.finish()) this.#conn?.write(p);
    else for (const it of items) this.#conn?.write(ringBytes(RingType.DATA, dataVars(it)));
    this.owner.sent(count);
  }

  #send(type: RingType, vars: Record<string, string | Uint8Array>): void {
    this.#lastSent = this.#clock.monotonic();
    this.#conn?.write(ringBytes(type, vars));
  }
}
