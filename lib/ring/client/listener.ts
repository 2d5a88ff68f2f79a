/**
 * {@link RingListener}: subscribes to one zog node and receives the messages it logs, once
 * each: live, or replayed from a seq or a time first, as a durable listener whose position
 * the node keeps, or as a member of a work-queue group. It reconnects with backoff when
 * the node goes away, and resumes where it was.
 *
 * @module
 */
import type { HostPort, TlsClientFiles } from "../../tls/mod.ts";
import { backoffMs } from "../../net/mod.ts";
import { SERVER_RETRY } from "./health.ts";
import { newClientId } from "./ids.ts";
import { NodeLink, type RingEvent, type SubscribeOptions } from "./node_link.ts";
import { SeenIds } from "./seen_ids.ts";

/** Options of {@link RingListener}. */
export interface RingListenerOptions extends SubscribeOptions {
  server: HostPort;
  tls?: TlsClientFiles;
  /**
   * Called with the messages of one arrival, in order, each once. A durable listener or a
   * group member acknowledges them when it returns (or when its promise resolves); batches
   * are handed over one at a time.
   */
  onMessages(events: RingEvent[]): void | Promise<void>;
  /** Called when the node confirmed the subscription (with its OK vars), and when it is lost (`err`) before the next try. */
  onState?(state: "up" | "down", err?: Error, vars?: Record<string, string>): void;
  /** A replay reached the node's last message; what follows is live. */
  onCaughtUp?(seq: number): void;
  /**
   * The node refused the subscription for a reason retrying cannot cure (a bad SUBSCRIBE,
   * another listener took this durable name over): the listener has stopped.
   */
  onRefused?(reason: string): void;
}

/** Refusals that another try would only repeat (docs/PROTOCOL.md). */
const FINAL_REFUSAL = /^(cannot subscribe: |durable \S+ was taken over by |(durable|group) \S+ was removed by )/;

/**
 * A subscription to one node that survives the node's restarts.
 *
 * @example
 * ```ts
 * const l = new RingListener({ server: { host: "127.0.0.11", port: 55552 }, durable: "audit", onMessages: (evs) => console.log(evs) });
 * l.start(); // ... await l.stop();
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
  /** The highest seq handed over (a plain listener resumes after it). */
  #lastSeq = 0;
  #chain: Promise<void> = Promise.resolve();
  /** Resolves {@link stop} once the connection is closed (its last ack sent). */
  #whenClosed: (() => void) | undefined;
  #refusal: string | undefined;
  /** Seqs the node took back from this group member: dropped unless already started. */
  readonly #moved = new Set<number>();

  constructor(opts: RingListenerOptions) {
    this.#opts = opts;
  }

  /** Whether the node acknowledges what this listener processed (durable or group). */
  get acks(): boolean {
    return this.#opts.durable !== undefined || this.#opts.group !== undefined;
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
        onSubscribed: (vars) => {
          this.#failures = 0;
          this.#opts.onState?.("up", undefined, vars);
        },
        onCaughtUp: (seq) => void this.#chain.then(() => this.#opts.onCaughtUp?.(seq)),
        onMoved: (seqs) => {
          for (const seq of seqs) this.#moved.add(seq);
        },
        onError: (reason) => {
          if (FINAL_REFUSAL.test(reason)) this.#refusal = reason;
        },
        onClose: (err) => {
          this.#whenClosed?.();
          this.#down(err ?? new Error("connection closed"));
        },
      },
    ).then(
      (link) => {
        if (this.#stopped) return link.close();
        this.#link = link;
        link.subscribe(this.#subscription());
      },
      (err: Error) => this.#down(err),
    );
  }

  /**
   * Stops listening: nothing more is handed over; the batches already handed over finish
   * and are acknowledged; resolves once the connection is closed (at most 2 s later).
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#chain;
    const link = this.#link;
    if (!link || link.closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.#whenClosed = () => {
        clearTimeout(timer);
        resolve();
      };
      link.close();
    });
  }

  #subscription(): SubscribeOptions {
    const { prefix, since, durable, group, ackWait } = this.#opts;
    // A plain listener that was cut off asks for what it missed; a durable one or a group
    // member resumes where the node says it is.
    const resume = !this.acks && this.#lastSeq > 0 ? this.#lastSeq + 1 : since;
    return { prefix, durable, group, ackWait, ...(resume !== undefined ? { since: resume } : {}) };
  }

  #event(ev: RingEvent): void {
    // Events decoded from one chunk arrive synchronously: hand them over together.
    this.#moved.delete(ev.seq); // given again (a member alone gets its own moved messages back)
    if (this.#batch.push(ev) === 1) queueMicrotask(() => this.#handle(this.#batch.splice(0)));
  }

  #handle(events: RingEvent[]): void {
    if (this.#stopped) return;
    const link = this.#link;
    const fresh = events.filter((ev) => {
      if (!this.acks && ev.seq > 0 && ev.seq <= this.#lastSeq) return false;
      return this.#seen.add(ev.id);
    });
    for (const ev of events) if (!this.#opts.group) this.#lastSeq = Math.max(this.#lastSeq, ev.seq);
    let moved = new Set<number>();
    this.#chain = this.#chain
      .then(() => {
        // Messages the node moved to another member before they were started are dropped.
        moved = new Set(events.filter((ev) => this.#moved.delete(ev.seq)).map((ev) => ev.seq));
        for (const ev of fresh) if (moved.has(ev.seq)) this.#seen.forget(ev.id);
        const todo = fresh.filter((ev) => !moved.has(ev.seq));
        return todo.length > 0 ? this.#opts.onMessages(todo) : undefined;
      })
      .then(
        // A redelivery already handed over is acknowledged too, or it would come back forever.
        () => {
          const done = events.filter((ev) => !moved.has(ev.seq)).map((ev) => ev.seq);
          if (this.acks && link && !link.closed) link.ack(done);
        },
        () => undefined,
      );
  }

  #down(err: Error): void {
    this.#link = undefined;
    if (this.#stopped) return;
    if (this.#refusal !== undefined) {
      this.#stopped = true;
      return this.#opts.onRefused?.(this.#refusal);
    }
    this.#opts.onState?.("down", err);
    const pause = backoffMs(this.#failures, SERVER_RETRY);
    this.#failures += 1;
    this.#retry = setTimeout(() => this.start(), pause);
  }
}
