/**
 * {@link Responder}: answers SERVICE's requests (seed 004's request/response). A member of
 * the service's work-queue group on one node, so each request goes to one member there;
 * the answer is a ring message under the id `r-REQUEST_ID`, so a request answered twice
 * (redelivered after `ack_wait`) is logged once.
 *
 * @module
 */
import type { HostPort, TlsClientFiles } from "../../tls/mod.ts";
import { getLogger } from "../../log/mod.ts";
import { RingListener } from "./listener.ts";
import type { RingEvent } from "./node_link.ts";
import { contentOf } from "./reply_watch.ts";
import { parseRequest, replyContent, replyId, requestPrefix } from "./request_format.ts";
import { RingClient } from "./ring_client.ts";

const log = getLogger("sprog", "reply");

/** A request as a responder gets it. */
export interface IncomingRequest {
  /** The request's message id. */
  id: string;
  /** The listened node's seq for it. */
  seq: number;
  /** The node it entered the ring at. */
  origin: string;
  service: string;
  text: string;
  /** When the requester stops waiting (ms since the epoch); undefined: asynchronous. */
  deadline: number | undefined;
}

/** Options of {@link Responder}. */
export interface ResponderOptions {
  /** The node whose group this responder joins. */
  server: HostPort;
  /** Where replies are sent (default: `server` alone). */
  servers?: HostPort[];
  tls?: TlsClientFiles;
  service: string;
  /** The group's name (default `reply.SERVICE`): requests wait under it while no responder runs. */
  group?: string;
  /** Seconds a request may stay unanswered before the node hands it to another member (default 30). */
  ackWait?: number;
  /** Answers one request: an exit code and an output (cut to fit one message). */
  handle(req: IncomingRequest): Promise<{ code: number; output: string }>;
  /** Hears of the subscription's state (for logs). */
  onState?(state: "up" | "down", err?: Error): void;
  /** The node refused the subscription for good. */
  onRefused?(reason: string): void;
}

/**
 * A responder of one service.
 *
 * @example
 * ```ts
 * const r = new Responder({ server, service: "uptime", handle: async (req) => ({ code: 0, output: "up 3 days" }) });
 * r.start(); // ... await r.stop();
 * ```
 */
export class Responder {
  readonly #listener: RingListener;
  readonly #client: RingClient;

  constructor(readonly opts: ResponderOptions) {
    this.#client = new RingClient({ servers: opts.servers ?? [opts.server], tls: opts.tls, policy: { kind: "roundRobin" } });
    this.#listener = new RingListener({
      server: opts.server,
      tls: opts.tls,
      prefix: requestPrefix(opts.service),
      group: opts.group ?? `reply.${opts.service}`,
      ackWait: opts.ackWait,
      onMessages: (events) => this.#answerAll(events),
      onState: (state, err) => opts.onState?.(state, err),
      onRefused: (reason) => opts.onRefused?.(reason),
    });
  }

  /** Joins the group; rejoins when the node comes back. */
  start(): void {
    this.#listener.start();
  }

  /** Finishes the request in hand, then leaves. */
  async stop(): Promise<void> {
    await this.#listener.stop();
    await this.#client.close(2000);
  }

  async #answerAll(events: RingEvent[]): Promise<void> {
    for (const ev of events) await this.#answer(ev);
  }

  async #answer(ev: RingEvent): Promise<void> {
    const parsed = parseRequest(contentOf(ev));
    if (!parsed || parsed.service !== this.opts.service) return;
    if (parsed.deadline !== undefined && parsed.deadline < Date.now()) {
      log.info("skipping request {id}: its requester stopped waiting at {at}", { id: ev.id, at: new Date(parsed.deadline).toISOString() });
      return;
    }
    const req: IncomingRequest = { id: ev.id, seq: ev.seq, origin: ev.node, ...parsed };
    const { code, output } = await this.opts.handle(req);
    try {
      await this.#client.send(replyContent(ev.id, code, output), { id: replyId(ev.id) });
    } catch (e) {
      log.error("cannot send the reply to request {id}: {error}", { id: ev.id, error: (e as Error).message });
    }
  }
}
