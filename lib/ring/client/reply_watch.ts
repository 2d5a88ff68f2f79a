/**
 * {@link ReplyWatch}: waits for the reply to one request, subscribed to one node (the
 * next one when it goes away) for the reply's content prefix. Requests and replies are
 * ring messages (request_format.ts), so any node can tell.
 *
 * @module
 */
import type { HostPort } from "../../tls/endpoint.ts";
import type { TlsClientFiles } from "../../tls/files.ts";
import { newClientId } from "./ids.ts";
import { NodeLink, type RingEvent } from "./node_link.ts";
import { parseReply, replyPrefix, type ReplyMessage } from "./request_format.ts";

/** Options of {@link ReplyWatch}. */
export interface ReplyWatchOptions {
  /** The nodes' client ports; the watch subscribes to the first that answers. */
  servers: HostPort[];
  tls?: TlsClientFiles;
  requestId: string;
  /** Replay from this time (or everything held) first, for a reply that may be there already; default: live only. */
  since?: Date | "all";
}

/** No reply came in time (no responder, or none answered before the deadline). */
export class NoReplyError extends Error {
  /** @param message what was asked, of whom, and how long it waited */
  constructor(message: string) {
    super(message);
    this.name = "NoReplyError";
  }
}

/** The content of a pzog message: without its wrapping digit and CRLF. */
export function contentOf(ev: RingEvent): string {
  return ev.msg.slice(1).replace(/\r\n$/, "");
}

/**
 * Waits for one reply.
 *
 * @example
 * ```ts
 * const watch = new ReplyWatch({ servers, requestId: id });
 * await watch.ready;              // subscribed: send the request now
 * const reply = await watch.wait(5000);
 * watch.close();
 * ```
 */
export class ReplyWatch {
  /** Resolves once a node confirmed the subscription; rejects when none could be reached. */
  readonly ready: Promise<void>;
  #reply: ReplyMessage | undefined;
  #caughtUp = false;
  #link: NodeLink | undefined;
  #closed = false;
  #wake: (() => void)[] = [];
  readonly #started = Date.now();

  constructor(readonly opts: ReplyWatchOptions) {
    this.ready = this.#subscribe(0, opts.since);
  }

  /** The reply, once arrived. */
  get reply(): ReplyMessage | undefined {
    return this.#reply;
  }

  /**
   * Resolves with the reply once it arrives, or undefined after `ms` (with `heldOnly`, as
   * soon as the node sent all it holds without it).
   */
  async wait(ms: number, heldOnly = false): Promise<ReplyMessage | undefined> {
    const deadline = Date.now() + ms;
    while (!this.#reply && !this.#closed && Date.now() < deadline && !(heldOnly && this.#caughtUp)) {
      await new Promise<void>((res) => {
        const timer = setTimeout(res, deadline - Date.now());
        this.#wake.push(() => {
          clearTimeout(timer);
          res();
        });
      });
    }
    return this.#reply;
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    this.#link?.close();
    this.#notify();
  }

  #notify(): void {
    for (const w of this.#wake.splice(0)) w();
  }

  async #subscribe(first: number, since: Date | "all" | undefined): Promise<void> {
    const { servers } = this.opts;
    let lastError: Error | undefined;
    for (let k = 0; k < servers.length && !this.#closed; k++) {
      const i = (first + k) % servers.length;
      try {
        await this.#open(i, since);
        return;
      } catch (e) {
        lastError = e as Error;
      }
    }
    throw new Error(`cannot wait for the reply: no node took the subscription (${lastError?.message ?? "closed"})`, { cause: lastError });
  }

  /** Subscribes at server `i`; resolves when the node confirmed. */
  #open(i: number, since: Date | "all" | undefined): Promise<void> {
    const { host, port } = this.opts.servers[i]!;
    return new Promise<void>((resolve, reject) => {
      let up = false;
      NodeLink.open(
        { host, port, tls: this.opts.tls, clientId: newClientId(), connectTimeoutMs: 5000 },
        {
          onSubscribed: () => {
            up = true;
            resolve();
          },
          onEvent: (ev) => this.#event(ev),
          onCaughtUp: () => {
            this.#caughtUp = true;
            this.#notify();
          },
          onClose: (err) => {
            if (!up) return reject(err ?? new Error("connection closed"));
            if (this.#closed || this.#reply) return;
            // Lost the node while waiting: ask the next one, from a little before we began.
            this.#subscribe(i + 1, new Date(this.#started - 60_000)).catch(() => this.close());
          },
        },
      ).then((link) => {
        if (this.#closed) return link.close();
        this.#link = link;
        link.subscribe({ prefix: replyPrefix(this.opts.requestId), ...(since ? { since } : {}) });
      }, reject);
    });
  }

  #event(ev: RingEvent): void {
    const reply = parseReply(contentOf(ev));
    if (!reply || reply.requestId !== this.opts.requestId || this.#reply) return;
    this.#reply = reply;
    this.#link?.close();
    this.#notify();
  }
}
