/**
 * One listener's stream: a replay from the store (paced by the connection), then the live
 * messages, with no gap and no duplicate at the seam; and a durable listener's position.
 *
 * @module
 */
import type { Conn } from "../../net/mod.ts";
import { ringBytes, RingType } from "../protocol.ts";
import { eventBytes } from "./event.ts";
import type { SeqRange } from "./ranges.ts";
import type { RingStore } from "./store.ts";

/** Unsent bytes under which a replay reads its next page from the store. */
const REPLAY_LOW = 256 * 1024;
/** Messages read from the store per page. */
const PAGE = 1000;

/** What a subscription needs from the node's listeners. */
export interface SubscriptionHub {
  /** The replay reached the last stored message: stream live messages from the next one on. */
  goLive(sub: Subscription): void;
  /** A durable listener acknowledged up to `seq`. */
  positionChanged(key: string, seq: number): void;
}

/**
 * A subscribed connection (not in a group).
 *
 * @example
 * ```ts
 * declare const store: RingStore, hub: SubscriptionHub;
 * const sub = new Subscription(conn, "", undefined, store, hub);
 * sub.replayFrom(1); // everything held, then live
 * ```
 */
export class Subscription {
  /** Receiving live messages (the replay, if any, is done). */
  live = false;
  /** The next seq a replay sends. */
  next = 0;
  /** A durable listener's acknowledged position. */
  acked = 0;
  #pumping = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly conn: Conn,
    readonly prefix: string,
    /** The durable name, if any. */
    readonly durable: string | undefined,
    readonly store: RingStore | undefined,
    readonly hub: SubscriptionHub,
  ) {
    conn.onDrain(() => this.#pump());
  }

  /** The key of this listener's position in the store. */
  get key(): string {
    return `durable:${this.durable}`;
  }

  /** Sends what the store holds from `seq` on, then goes live. */
  replayFrom(seq: number): void {
    this.next = seq;
    this.#pump();
  }

  /** Acknowledgements: a durable listener's position moves to the highest one it confirms. */
  ack(ranges: readonly SeqRange[]): void {
    if (this.durable === undefined || !this.store) return;
    let top = this.acked;
    for (const [, last] of ranges) top = Math.max(top, last);
    // Never past what was sent: a bogus ack must not skip messages.
    top = Math.min(top, this.live ? this.store.lastSeq : this.next - 1);
    if (top <= this.acked) return;
    this.acked = top;
    this.hub.positionChanged(this.key, top);
  }

  #pump(): void {
    if (this.live || this.#pumping || this.conn.closed || !this.store) return;
    this.#pumping = true;
    try {
      while (this.conn.bufferedBytes < REPLAY_LOW) {
        const page = this.store.read(this.next, PAGE);
        for (const m of page) if (m.content.startsWith(this.prefix)) this.conn.write(eventBytes(m, m.seq));
        if (page.length > 0) this.next = page[page.length - 1]!.seq + 1;
        if (page.length < PAGE) {
          // Everything up to the last stored seq is written: messages logged from now on
          // come through the live stream, so there is no gap and no duplicate at the seam.
          this.live = true;
          this.conn.write(ringBytes(RingType.CAUGHT_UP, { seq: String(this.store.lastSeq) }));
          this.hub.goLive(this);
          return;
        }
      }
    } finally {
      this.#pumping = false;
    }
    // The socket is full: onDrain resumes; the timer covers bytes still in the coalescer.
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, 5);
  }
}
