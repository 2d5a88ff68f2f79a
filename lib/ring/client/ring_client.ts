/**
 * {@link RingClient}: publishes messages to a zog ring, each acknowledged by one node.
 * Unacknowledged messages are retried under the same id on the next server when a node
 * goes away (the nodes drop duplicates by id), so a node dying mid-stream loses nothing
 * and logs nothing twice.
 *
 * @module
 */
import type { HostPort, TlsClientFiles } from "../../tls/mod.ts";
import { getLogger } from "../../log/mod.ts";
import { systemClock } from "../../clock.ts";
import { pzogMessage, type Random } from "./content.ts";
import { ServerHealth } from "./health.ts";
import { MessageIds } from "./ids.ts";
import { NodeLink } from "./node_link.ts";
import { type OutstandingEntry, Outstanding } from "./outstanding.ts";
import { type PickPolicy, ServerPicker } from "./picker.ts";
import { hostPort } from "../../net/mod.ts";
import { curelessProblem } from "./cureless.ts";
import { ID_RE } from "../protocol.ts";
import { NoReplyError, ReplyInbox } from "./reply_watch.ts";
import {
  clientReplyPrefix,
  newRequestClient,
  type ReplyMessage,
  replyPrefix,
  requestContent,
  requestId,
  requestTime,
} from "./request_format.ts";

/** Options of {@link RingClient}. */
export interface RingClientOptions {
  /** The nodes' client ports, in ring order. */
  servers: HostPort[];
  /** Mutual TLS: the CA to verify nodes against, and this client's certificate. */
  tls?: TlsClientFiles;
  /** How to choose the server of each message (default random). */
  policy?: PickPolicy;
  /**
   * What the policy chooses a server for: "turn" (default), the messages sent in one turn
   * of the event loop together (they go out as one DATA_BATCH to one node); "message",
   * each message on its own (a burst is spread over the servers).
   */
  spread?: "turn" | "message";
  /** How long a message may go unacknowledged, retries included, before it fails (default 10 s). */
  timeoutMs?: number;
  /** A node with messages in flight that sends nothing for this long is dropped and its messages retried elsewhere (default a third of `timeoutMs`, at least 1 s). */
  stallMs?: number;
  /** "quorum": a message is acknowledged once a majority of the ring holds it durably; "local" its entry node (default: the ring's `ack`). */
  ack?: "local" | "quorum";
  /** This client's 64-bit id in hex (default random). */
  clientId?: string;
  random?: Random;
}

interface Pending {
  /** The pzog message, encoded once so a retry sends the same bytes. */
  msg: Uint8Array;
  resolve(sent: Sent): void;
  reject(err: Error): void;
}

/** What {@link RingClient.send} resolves to. */
export interface Sent {
  /** The message id. */
  id: string;
  /**
   * The ring held this id before this client first sent it: nothing was logged. False for
   * a message this client had to resend (its first try may be the one the ring holds).
   */
  held: boolean;
}

type Slot = { state: "connecting"; queue: { id: string; msg: Uint8Array }[] } | { state: "open"; link: NodeLink };

const log = getLogger("sprog", "client");
const TICK_MS = 100;

/**
 * A client of the ring.
 *
 * @example
 * ```ts
 * const client = new RingClient({ servers: [{ host: "127.0.0.11", port: 55552 }], policy: { kind: "roundRobin" } });
 * const id = await client.publish("backup done"); // resolves once a node acknowledged it
 * await client.close();
 * ```
 */
export class RingClient {
  /** The random 64-bit id this client's message ids start with. */
  readonly clientId: string;
  /** The most recent reason a server failed or refused, for error messages. */
  lastError: string | undefined;
  /** Set when a failure retrying cannot cure ended the client: what to pass (see `curelessProblem`). */
  fatal: string | undefined;
  /** Re-sends after a node went away (each message counts once per retry). */
  retried = 0;
  readonly #servers: HostPort[];
  readonly #tls: TlsClientFiles | undefined;
  readonly #timeoutMs: number;
  readonly #ack: "local" | "quorum" | undefined;
  readonly #stallMs: number;
  readonly #ids: MessageIds;
  readonly #picker: ServerPicker;
  readonly #health = new ServerHealth();
  readonly #out = new Outstanding<Pending>();
  readonly #slots: (Slot | undefined)[];
  readonly #spread: "turn" | "message";
  /** A pump is queued for the end of this turn's sends ({@link RingClientOptions.spread} "turn"). */
  #pumpQueued = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** Where this client's replies arrive (made at its first request), its tag, and requests made. */
  #inbox: ReplyInbox | undefined;
  readonly #requestClient = newRequestClient();
  #requests = 0;
  #drained: (() => void)[] = [];

  /** @throws {RangeError} on an empty server list or a specific server out of range */
  constructor(opts: RingClientOptions) {
    this.#servers = opts.servers;
    this.#tls = opts.tls;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#ack = opts.ack;
    this.#stallMs = opts.stallMs ?? Math.max(1000, this.#timeoutMs / 3);
    this.#ids = new MessageIds(opts.clientId);
    this.clientId = this.#ids.clientId;
    this.#picker = new ServerPicker(opts.servers.length, opts.policy ?? { kind: "random" }, opts.random);
    this.#slots = opts.servers.map(() => undefined);
    this.#spread = opts.spread ?? "turn";
  }

  /** Whether every server this client may use is failing right now (skipped until its backoff ends). */
  get unreachable(): boolean {
    const now = systemClock.monotonic();
    return !this.#picker.anyEligible((j) => this.#health.isDown(j, now));
  }

  /** Messages published and not yet acknowledged nor failed. */
  get outstanding(): number {
    return this.#out.size;
  }

  /**
   * Sends `content` as one pzog message under a fresh id.
   *
   * @returns the message id, once a node acknowledged it
   * @throws {RangeError} at once when the content cannot be a message (see `contentProblem`)
   * @throws {Error} (rejection) when a node refused the message, or no node acknowledged it in time
   */
  async publish(content: string): Promise<string> {
    return (await this.send(content)).id;
  }

  /**
   * Sends `content` under `opts.id` (an idempotency key: the ring logs one message per id)
   * or a fresh id, and says whether the ring already held that id.
   *
   * @throws {RangeError} at once when the content cannot be a message, or the id is no message id
   * @throws {Error} (rejection) when a node refused the message, or no node acknowledged it in time
   * @example
   * ```ts
   * declare const client: RingClient;
   * const { held } = await client.send("backup done", { id: "backup-mv-20261206" });
   * ```
   */
  send(content: string, opts: { id?: string } = {}): Promise<Sent> {
    if (this.#closed) return Promise.reject(new Error("the client is closed"));
    if (this.fatal) return Promise.reject(new Error(this.fatal));
    const msg = pzogMessage(content);
    if (opts.id !== undefined && !ID_RE.test(opts.id)) throw new RangeError(`message id "${opts.id}" is not 1-64 of [A-Za-z0-9._:-]`);
    const id = opts.id ?? this.#ids.next();
    return new Promise<Sent>((resolve, reject) => {
      this.#out.add(id, { msg, resolve, reject }, systemClock.monotonic(), this.#timeoutMs);
      this.#startTimer();
      if (this.#spread === "message") this.#pump();
      else this.#pumpSoon();
    });
  }

  /**
   * Sends `text` as a request to SERVICE's responders (`sprog reply`, {@link Responder})
   * and waits for the reply: both are ring messages, logged once on every node.
   *
   * @throws {RangeError} at once on a bad service name or a text that does not fit a message
   * @throws {NoReplyError} when no reply came within `timeoutMs` (default: the client's timeout)
   * @throws {Error} when the ring did not acknowledge the request
   * @example
   * ```ts
   * const reply = await client.request("uptime", "how long?", { timeoutMs: 5000 });
   * console.log(reply.code, reply.text);
   * ```
   */
  async request(service: string, text: string, opts: { timeoutMs?: number } = {}): Promise<ReplyMessage> {
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const started = systemClock.monotonic();
    // The deadline in the request is wall-clock time (the responder's to judge); this
    // client's own wait is measured on the monotonic clock.
    const deadline = Date.now() + timeoutMs;
    const id = this.#nextRequestId();
    const content = requestContent(service, deadline, text);
    // One subscription for all of this client's replies, made at its first request.
    if (!this.#inbox || this.#inbox.closed) {
      this.#inbox = new ReplyInbox({ servers: this.#servers, tls: this.#tls, prefix: clientReplyPrefix(this.#requestClient) });
    }
    const inbox = this.#inbox;
    await inbox.ready;
    inbox.expect(id);
    try {
      await this.send(content, { id });
    } catch (e) {
      inbox.forget(id);
      throw e;
    }
    const reply = await inbox.wait(id, timeoutMs - (systemClock.monotonic() - started));
    if (!reply) throw new NoReplyError(`no reply to request ${id} for ${service} within ${timeoutMs / 1000} s`);
    return reply;
  }

  /**
   * Sends an asynchronous request (no deadline): resolves with its id once the ring
   * acknowledged it; {@link replyOf} fetches the reply later, from any node.
   *
   * @throws {RangeError} on a bad service name or text; {@link Error} when the ring did not acknowledge it
   * @example
   * ```ts
   * const id = await client.requestAsync("backup", "run now");
   * ```
   */
  async requestAsync(service: string, text: string): Promise<string> {
    const id = this.#nextRequestId();
    await this.send(requestContent(service, undefined, text), { id });
    return id;
  }

  /**
   * The reply to request `id`: what the ring holds, else what arrives within `waitMs`;
   * undefined when there is none by then.
   *
   * @throws {Error} when no node could be asked
   * @example
   * ```ts
   * const reply = await client.replyOf("q-3f9a0c11e2-miq6d2o0-1", { waitMs: 10_000 });
   * ```
   */
  async replyOf(id: string, opts: { waitMs?: number } = {}): Promise<ReplyMessage | undefined> {
    const made = requestTime(id);
    // Clocks differ between machines: look from well before the request was made.
    const since = made === undefined ? "all" : new Date(made - 10 * 60_000);
    const inbox = new ReplyInbox({ servers: this.#servers, tls: this.#tls, prefix: replyPrefix(id), since });
    // Before the replay begins: a reply it sends at once must be kept.
    inbox.expect(id);
    try {
      // Without waitMs: what the node holds, once its replay is done (at most 10 s).
      const waitMs = opts.waitMs ?? 0;
      return await (waitMs > 0 ? inbox.wait(id, waitMs) : inbox.wait(id, 10_000, true));
    } finally {
      inbox.close();
    }
  }

  #nextRequestId(): string {
    this.#requests += 1;
    return requestId(this.#requestClient, Date.now(), this.#requests);
  }

  /** Resolves when nothing is outstanding, or after `ms`. */
  async settle(ms: number): Promise<void> {
    if (this.#out.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((res) => this.#drained.push(res)),
      new Promise<void>((res) => {
        if (Number.isFinite(ms)) timer = setTimeout(res, ms);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * Stops: waits up to `graceMs` for outstanding acknowledgements, fails what is left,
   * and closes every connection.
   */
  async close(graceMs = 0): Promise<void> {
    this.#closed = true;
    await this.settle(graceMs);
    for (const e of this.#out.expired(Number.POSITIVE_INFINITY))
      e.payload.reject(new Error(`stopped before message ${e.id} was acknowledged`));
    this.#settled();
    this.#inbox?.close();
    for (const slot of this.#slots) if (slot?.state === "open") slot.link.close();
    this.#slots.fill(undefined);
  }

  /**
   * Sends what waits once this turn's synchronous sends are done (a microtask): a burst,
   * such as the window refilled by one OK_BATCH, goes to one node as one DATA_BATCH.
   * Measured (docs/benchmarks.md, issue 26, round 7): five nodes, window 64, the nodes'
   * commits held 64.5 messages instead of 33.5 and their CPU per message fell by a quarter.
   */
  #pumpSoon(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  /** Sends every waiting message: to one server chosen for them all ("turn"), or one each ("message"). */
  #pump(): void {
    const now = systemClock.monotonic();
    let i: number | undefined;
    for (let e = this.#out.take(); e !== undefined; e = this.#out.take()) {
      if (i === undefined || this.#spread === "message") i = this.#picker.pick((j) => this.#health.isDown(j, now));
      if (i === undefined) {
        this.#out.putBack(e);
        return;
      }
      this.#write(i, e);
    }
  }

  #write(i: number, e: OutstandingEntry<Pending>): void {
    if (e.attempts > 0) this.retried += 1;
    const slot = this.#slots[i] ?? this.#connect(i);
    if (slot.state === "connecting") slot.queue.push({ id: e.id, msg: e.payload.msg });
    else {
      if (this.#out.onServer(i) === 0) slot.link.lastHeard = systemClock.monotonic();
      slot.link.sendData(e.id, e.payload.msg);
    }
    this.#out.sent(e.id, i);
  }

  #connect(i: number): Slot {
    const slot: Slot = { state: "connecting", queue: [] };
    this.#slots[i] = slot;
    const { host, port } = this.#servers[i]!;
    const opts = {
      host,
      port,
      tls: this.#tls,
      clientId: this.clientId,
      connectTimeoutMs: Math.min(5000, this.#timeoutMs),
      ack: this.#ack,
      ackTimeoutMs: this.#timeoutMs,
    };
    let link: NodeLink | undefined;
    NodeLink.open(opts, {
      onOk: (id, held) => this.#ok(i, id, held),
      onRefused: (id, reason) => this.#refused(i, id, reason),
      onClose: (err) => {
        const s = this.#slots[i];
        if (s?.state === "open" && s.link === link) this.#lose(i, err?.message);
      },
    }).then(
      (l) => {
        link = l;
        if (this.#slots[i] !== slot) return l.close();
        this.#slots[i] = { state: "open", link: l };
        for (const q of slot.queue) l.sendData(q.id, q.msg);
        if (l.closed) this.#lose(i, "connection closed");
      },
      (err: Error) => {
        if (this.#slots[i] === slot) this.#lose(i, err.message);
      },
    );
    return slot;
  }

  #ok(i: number, id: string, held: boolean): void {
    const e = this.#out.ack(id);
    this.#health.succeeded(i);
    if (!e) return;
    e.payload.resolve({ id, held: held && e.attempts <= 1 });
    this.#settled();
  }

  #refused(i: number, id: string, reason: string): void {
    const e = this.#out.fail(id);
    const where = this.#where(i);
    this.lastError = `${where} refused message ${id}: ${reason}`;
    if (!e) return;
    e.payload.reject(new Error(this.lastError));
    this.#settled();
  }

  /** The link to server `i` failed or closed: retry what it held elsewhere. */
  #lose(i: number, reason: string | undefined): void {
    const slot = this.#slots[i];
    this.#slots[i] = undefined;
    if (slot?.state === "open") slot.link.abort(reason ?? "dropped");
    const back = this.#out.lost(i);
    const fatal = reason === undefined ? undefined : curelessProblem(reason, this.#where(i));
    if (fatal) return this.#giveUp(fatal);
    // An idle link the node closed after talking to us is no reason to skip the node.
    const idleClose = slot?.state === "open" && slot.link.heard && back === 0;
    if (!idleClose) {
      const why = reason ?? `${this.#where(i)}: connection closed`;
      this.lastError = why;
      const pause = this.#health.failed(i, systemClock.monotonic(), why);
      log.debug("{why}; {back} message(s) to retry, server skipped for {pause} ms", { why, back, pause });
    }
    this.#pump();
  }

  /** Fails everything outstanding with `why`: no retry can help. */
  #giveUp(why: string): void {
    this.fatal = why;
    this.lastError = why;
    for (const e of this.#out.expired(Number.POSITIVE_INFINITY)) e.payload.reject(new Error(why));
    this.#settled();
  }

  #tick(): void {
    const now = systemClock.monotonic();
    for (const e of this.#out.expired(now)) {
      const last = this.lastError ? ` (last error: ${this.lastError})` : "";
      e.payload.reject(new Error(`message ${e.id} not acknowledged within ${this.#timeoutMs / 1000} s${last}`));
    }
    this.#slots.forEach((slot, i) => {
      if (slot?.state === "open" && this.#out.onServer(i) > 0 && now - slot.link.lastHeard > this.#stallMs) {
        this.#lose(i, `${this.#where(i)}: no answer for ${this.#stallMs / 1000} s`);
      }
    });
    if (this.#out.waiting > 0) this.#pump();
    this.#settled();
  }

  #startTimer(): void {
    this.#timer ??= setInterval(() => this.#tick(), TICK_MS);
  }

  #settled(): void {
    if (this.#out.size > 0) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const res of this.#drained.splice(0)) res();
  }

  #where(i: number): string {
    const { host, port } = this.#servers[i]!;
    return hostPort(host, port);
  }
}
