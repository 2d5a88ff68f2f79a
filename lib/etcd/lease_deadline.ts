/**
 * How long this process may act on an etcd lease: until the moment the lease could have
 * expired at etcd. Each grant or keepalive is measured from before its request was sent
 * (etcd cannot have renewed the lease earlier than that), minus a margin for clock drift,
 * so a paused or cut-off holder stops acting before the lease can be granted to another.
 * Pure: times in, a deadline out. The times must come from a monotonic clock
 * (`Clock.monotonic`): on the wall clock, a backward step would let the holder act past
 * the lease etcd has already ended.
 *
 * @module
 */

/**
 * The deadline of one lease.
 *
 * @example
 * ```ts
 * declare const stopActing: () => void;
 * const d = new LeaseDeadline(200);
 * const sentAt = performance.now();
 * const ttlS = keepAliveTtl(await etcd.call(keepAliveRequest(id)));
 * d.renewed(sentAt, ttlS);
 * if (!d.valid(performance.now())) stopActing();
 * ```
 */
export class LeaseDeadline {
  #until = 0;

  /** @param marginMs taken off every deadline (drift between our clock and etcd's) */
  constructor(readonly marginMs: number) {}

  /** A grant or keepalive sent at `sentAt` answered that the lease has `ttlS` seconds left (0: gone). */
  renewed(sentAt: number, ttlS: number): void {
    if (ttlS <= 0) return this.lost();
    // Answers can arrive out of order: an older one never shortens the deadline.
    this.#until = Math.max(this.#until, sentAt + ttlS * 1000 - this.marginMs);
  }

  /** The lease is gone (revoked, expired, or never granted). */
  lost(): void {
    this.#until = 0;
  }

  /** Whether the lease is proven at `now`. */
  valid(now: number): boolean {
    return now < this.#until;
  }

  /** The last moment the lease is proven (0 when it is not). */
  get until(): number {
    return this.#until;
  }
}
