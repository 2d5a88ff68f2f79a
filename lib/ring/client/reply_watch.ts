/**
 * {@link ReplyInbox}: receives replies to requests, subscribed to one node (the next one
 * when it goes away) for a reply prefix: one request's (`@reply ID `), or every request of
 * one client (`@reply q-CLIENT-`), so a client that asks many questions subscribes once.
 * Requests and replies are ring messages (request_format.ts), so any node can tell.
 *
 * @module
 */
import { systemClock } from "../../clock.ts";
import type { HostPort, TlsClientFiles } from "../../tls/mod.ts";
import { newClientId } from "./ids.ts";
import { NodeLink, type RingEvent } from "./node_link.ts";
import { parseReply, type ReplyMessage } from "./request_format.ts";

/** Options of {@link ReplyInbox}. */
export interface ReplyInboxOptions {
  /** The nodes' client ports; the inbox subscribes to the first that answers. */
  servers: HostPort[];
  tls?: TlsClientFiles;
  /** The content prefix of the replies to receive. */
  prefix: string;
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
 * Waits for replies.
 *
 * @example
 * ```ts
 * const inbox = new ReplyInbox({ servers, prefix: `@reply ${id} ` });
 * await inbox.ready;              // subscribed: send the request now
 * const reply = await inbox.wait(id, 5000);
 * inbox.close();
 * ```
 */
export class ReplyInbox {
  /** Resolves once a node confirmed the subscription; rejects when none could be reached. */
  readonly ready: Promise<void>;
  /** Replies to ids being waited for, or that came before their wait began. */
  readonly #replies = new Map<string, ReplyMessage>();
  readonly #waiting = new Set<string>();
  #caughtUp = false;
  #link: NodeLink | undefined;
  #closed = false;
  #wake: (() => void)[] = [];
  readonly #started = Date.now();

  constructor(readonly opts: ReplyInboxOptions) {
    this.ready = this.#subscribe(0, opts.since);
    // Nobody may be awaiting it yet; a failure is reported by wait().
    this.ready.catch(() => undefined);
  }

  /** Whether the inbox was closed (by {@link close}, or because no node could be reached again). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves with the reply to `id` once it arrives, or undefined after `ms` (with
   * `heldOnly`, as soon as the node sent all it holds without it).
   *
   * @throws {Error} when no node took the subscription
   */
  async wait(id: string, ms: number, heldOnly = false): Promise<ReplyMessage | undefined> {
    await this.ready;
    const deadline = systemClock.monotonic() + ms;
    this.#waiting.add(id);
    try {
      while (!this.#replies.has(id) && !this.#closed && systemClock.monotonic() < deadline && !(heldOnly && this.#caughtUp)) {
        await new Promise<void>((res) => {
          const timer = setTimeout(res, deadline - systemClock.monotonic());
          this.#wake.push(() => {
            clearTimeout(timer);
            res();
          });
        });
      }
      return this.#replies.get(id);
    } finally {
      this.#waiting.delete(id);
      this.#replies.delete(id);
    }
  }

  /** Notes that a reply to `id` is wanted, before the request is sent (a fast reply is then kept). */
  expect(id: string): void {
    this.#waiting.add(id);
  }

  /** No longer wants a reply to `id` (its request could not be sent). */
  forget(id: string): void {
    this.#waiting.delete(id);
    this.#replies.delete(id);
  }

  /** Stops receiving. */
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
      try {
        return await this.#open((first + k) % servers.length, since);
      } catch (e) {
        lastError = e as Error;
      }
    }
    throw new Error(`cannot wait for replies: no node took the subscription (${lastError?.message ?? "closed"})`, { cause: lastError });
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
            if (this.#closed) return;
            // Lost the node: ask the next one, from a little before this inbox began.
            this.#subscribe(i + 1, new Date(this.#started - 60_000)).catch(() => this.close());
          },
        },
      ).then((link) => {
        if (this.#closed) return link.close();
        this.#link = link;
        link.subscribe({ prefix: this.opts.prefix, ...(since ? { since } : {}) });
      }, reject);
    });
  }

  #event(ev: RingEvent): void {
    const reply = parseReply(contentOf(ev));
    if (!reply || !this.#waiting.has(reply.requestId) || this.#replies.has(reply.requestId)) return;
    this.#replies.set(reply.requestId, reply);
    this.#notify();
  }
}
