/**
 * {@link RingListener}: subscribes to one zog node and receives every message it logs,
 * once each, reconnecting with backoff when the node goes away.
 *
 * @module
 */
import type { HostPort } from "../../tls/endpoint.ts";
import type { TlsClientFiles } from "../../tls/files.ts";
import { backoffMs } from "../../net/mod.ts";
import { SERVER_RETRY } from "./health.ts";
import { newClientId } from "./ids.ts";
import { NodeLink, type RingEvent } from "./node_link.ts";
import { SeenIds } from "./seen_ids.ts";

/** Options of {@link RingListener}. */
export interface RingListenerOptions {
  server: HostPort;
  tls?: TlsClientFiles;
  /** Only messages whose content starts with this. */
  prefix?: string;
  /** Called with the messages of one arrival, each id once. */
  onMessages(events: RingEvent[]): void;
  /** Called when the node confirmed the subscription, and when it is lost (`err`) before the next try. */
  onState?(state: "up" | "down", err?: Error): void;
}

/**
 * A subscription to one node that survives the node's restarts.
 *
 * @example
 * ```ts
 * const l = new RingListener({ server: { host: "127.0.0.11", port: 55552 }, onMessages: (evs) => console.log(evs) });
 * l.start(); // ... l.stop();
 * ```
 */
export class RingListener {
  readonly #opts: RingListenerOptions;
  readonly #seen = new SeenIds();
  readonly #clientId = newClientId();
  #link: NodeLink | undefined;
  #stopped = false;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #batch: RingEvent[] = [];

  constructor(opts: RingListenerOptions) {
    this.#opts = opts;
  }

  /** Connects and subscribes; retries with backoff (250 ms doubling to 5 s) until stopped. */
  start(): void {
    if (this.#stopped) return;
    const { host, port } = this.#opts.server;
    NodeLink.open(
      { host, port, tls: this.#opts.tls, clientId: this.#clientId },
      {
        onEvent: (ev) => this.#event(ev),
        // The node answers SUBSCRIBE with OK {id: subscribe}: from then on nothing is missed.
        onOk: (id) => {
          if (id !== "subscribe") return;
          this.#failures = 0;
          this.#opts.onState?.("up");
        },
        onClose: (err) => this.#down(err ?? new Error("connection closed")),
      },
    ).then(
      (link) => {
        if (this.#stopped) return link.close();
        this.#link = link;
        link.subscribe(this.#opts.prefix ?? "");
      },
      (err: Error) => this.#down(err),
    );
  }

  /** Stops listening and closes the connection. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#link?.close();
  }

  #event(ev: RingEvent): void {
    if (!this.#seen.add(ev.id)) return;
    // Events decoded from one chunk arrive synchronously: hand them over together.
    if (this.#batch.push(ev) === 1) queueMicrotask(() => this.#opts.onMessages(this.#batch.splice(0)));
  }

  #down(err: Error): void {
    this.#link = undefined;
    if (this.#stopped) return;
    this.#opts.onState?.("down", err);
    const pause = backoffMs(this.#failures, SERVER_RETRY);
    this.#failures += 1;
    this.#retry = setTimeout(() => this.start(), pause);
  }
}
