/**
 * Limits on the connections a port accepts from strangers: how many at once, how long one
 * may stop in the middle of a packet, how long it may say nothing, and how many may be
 * exempt from that (subscribed listeners). Pure: keys in, decisions out; the caller owns
 * the sockets and the clock.
 *
 * @module
 */

/** The limits of one port. */
export interface GuardLimits {
  /** Connections at once; the next is refused. */
  max: number;
  /** A connection that stopped in the middle of a packet this long is closed. */
  partialMs: number;
  /** A connection that sent nothing this long is closed (unless exempt). */
  idleMs: number;
  /** Connections exempt from the idle limit at once (listeners). */
  maxExempt: number;
}

interface Watch {
  heard: number;
  /** When the packet that is still incomplete began, if one is. */
  partialSince: number | undefined;
  exempt: boolean;
}

/**
 * The connections of a port and their deadlines.
 *
 * @example
 * ```ts
 * import type { Conn } from "./types.ts";
 * import type { PacketDecoder } from "../packet/mod.ts";
 * declare const decoder: PacketDecoder, refuse: (c: Conn) => void;
 * const guard = new ConnGuard<Conn>({ max: 200, partialMs: 10_000, idleMs: 600_000, maxExempt: 64 });
 * if (!guard.admit(conn)) refuse(conn);
 * conn.onData(() => guard.heard(conn, decoder.buffered > 0));
 * setInterval(() => { for (const [c, why] of guard.sweep()) { console.log(`closing: ${why}`); c.close() } }, 1000);
 * ```
 */
export class ConnGuard<K> {
  readonly #watches = new Map<K, Watch>();
  #exempt = 0;

  constructor(
    readonly limits: GuardLimits,
    readonly now: () => number = Date.now,
  ) {}

  /** Connections counted now. */
  get size(): number {
    return this.#watches.size;
  }

  /** Connections exempt from the idle limit now. */
  get exempt(): number {
    return this.#exempt;
  }

  /** Counts a new connection; false (not counted) when the port is full. */
  admit(k: K): boolean {
    if (this.#watches.size >= this.limits.max) return false;
    this.#watches.set(k, { heard: this.now(), partialSince: undefined, exempt: false });
    return true;
  }

  /** Bytes arrived on `k`; `partial` when they left a packet incomplete. */
  heard(k: K, partial: boolean): void {
    const w = this.#watches.get(k);
    if (!w) return;
    w.heard = this.now();
    if (!partial) w.partialSince = undefined;
    else w.partialSince ??= w.heard;
  }

  /** Exempts `k` from the idle limit (a listener); false when too many are exempt already. */
  exemptFromIdle(k: K): boolean {
    const w = this.#watches.get(k);
    if (!w || w.exempt) return !!w;
    if (this.#exempt >= this.limits.maxExempt) return false;
    w.exempt = true;
    this.#exempt++;
    return true;
  }

  /** Stops counting `k` (it closed, or it said who it is and other rules take over). */
  release(k: K): void {
    const w = this.#watches.get(k);
    if (!w) return;
    if (w.exempt) this.#exempt--;
    this.#watches.delete(k);
  }

  /** The connections past a deadline, with why; they are no longer counted. */
  sweep(): [K, string][] {
    const now = this.now();
    const out: [K, string][] = [];
    for (const [k, w] of this.#watches) {
      if (w.partialSince !== undefined && now - w.partialSince >= this.limits.partialMs) {
        out.push([k, `stopped in the middle of a packet for ${this.limits.partialMs / 1000} s`]);
      } else if (!w.exempt && now - w.heard >= this.limits.idleMs) {
        out.push([k, `sent nothing for ${this.limits.idleMs / 1000} s`]);
      }
    }
    for (const [k] of out) this.release(k);
    return out;
  }
}
