/**
 * When an OK may go out: the fsync policy of ring.toml, with group commit for "batch".
 *
 * @module
 */
import type { FsyncPolicy } from "../config/mod.ts";
import { type Clock, systemClock } from "../clock.ts";
import { errCode } from "../errors.ts";

/** What can be flushed to disk: blocking, or on a worker thread. */
export interface Syncable {
  syncNow(): void;
  sync(): Promise<void>;
}

/**
 * "batch" syncs on the event loop while fsyncs take less than this (a moving average), on a
 * worker thread once they take longer. A fast disk then costs no hand-over to a thread and
 * back (measured: a fifth of a five-node ring's CPU per message), and a slow one never
 * stalls the node for long. On this shared VM's disk the average was 0.5-1.5 ms with
 * spikes; at 2 ms one fsync in seven still went to the thread.
 */
export const INLINE_SYNC_MS = 5;

/**
 * How long "batch" lets a commit holding only peers' forwards wait for the next fsync (one
 * that a client's commit runs) before it runs its own: a forwarding node does not wait on
 * the OK (it keeps the message until then), and one fsync then covers the forwards of
 * several messages instead of five nodes' fsyncs running side by side for each message.
 * Measured at window 1 (docs/benchmarks.md, round 7).
 */
export const PEER_SYNC_MS = 3;

/** Weight of the newest fsync in the moving average of their durations. */
const AVERAGE_WEIGHT = 0.25;

/**
 * Runs callbacks once what was written before them is durable under a policy:
 * "never" at once, "always" after a blocking fsync, "batch" after the next group fsync
 * (one per commit; everything that waited while a fsync on the worker thread ran shares
 * the next one; callbacks of {@link Durability.afterWithin} wait a few ms for one).
 *
 * @example
 * ```ts
 * const d = new Durability("batch", files);
 * d.after((error) => console.log(error ?? "OK"));
 * d.afterWithin((error) => console.log(error ?? "OK, with the next fsync"), PEER_SYNC_MS);
 * ```
 */
export class Durability {
  #waiting: ((error?: string) => void)[] = [];
  /** Callbacks of {@link afterWithin}: answered by the next fsync, run at the latest when its timer fires. */
  #lazy: ((error?: string) => void)[] = [];
  #lazyTimer = false;
  #syncing = false;
  /** Moving average of fsync durations, ms ("batch" picks the event loop or the thread by it). */
  #averageMs = 0;
  /** fsyncs run so far (for tests and stats). */
  syncs = 0;
  /** fsyncs of "batch" run on the worker thread so far. */
  threadSyncs = 0;
  /** Called each time a group fsync on the worker thread has finished and answered its callbacks. */
  onSynced: () => void = () => {};

  constructor(
    readonly policy: FsyncPolicy,
    readonly target: Syncable,
    readonly onError: (reason: string) => void = () => {},
    readonly inlineBelowMs: number = INLINE_SYNC_MS,
    /** Times the fsyncs, and runs {@link afterWithin}'s longest wait (a node's clock; the system's by default). */
    readonly clock: Pick<Clock, "monotonic" | "setTimeout"> = systemClock,
  ) {}

  /** Calls `then` once durable, or with a reason ("cannot record: fsync failed: EIO") if not. */
  after(then: (error?: string) => void): void {
    if (this.policy === "never") return then();
    if (this.policy === "always") return then(this.#syncNow());
    this.#waiting.push(then);
    this.#run();
  }

  /**
   * Like {@link after}, but "batch" lets `then` wait up to `ms` for an fsync that runs for
   * another reason (the next {@link after}) before it runs one of its
   * own: for commits whose senders do not wait on their answer (a peer's forwards), so that
   * a node makes one fsync for many of them, not one beside every client's commit.
   *
   * @param ms the longest wait for another fsync before one of its own
   */
  afterWithin(then: (error?: string) => void, ms: number): void {
    if (this.policy !== "batch") return this.after(then);
    this.#lazy.push(then);
    if (this.#lazyTimer) return;
    this.#lazyTimer = true;
    this.clock.setTimeout(() => {
      this.#lazyTimer = false;
      if (this.#lazy.length > 0) this.#run();
    }, ms);
  }

  /** Runs the fsync that {@link afterWithin}'s callbacks wait for now, unless one is running (at stop). */
  settle(): void {
    if (this.#lazy.length > 0) this.#run();
  }

  /** "batch": one group fsync for every callback waiting, on the event loop or the worker thread. */
  #run(): void {
    this.#takeLazy();
    if (this.#syncing) return;
    if (this.#averageMs < this.inlineBelowMs) {
      const group = this.#waiting;
      this.#waiting = [];
      const error = this.#syncNow();
      for (const cb of group) cb(error);
    } else this.#groupSync();
  }

  /** The callbacks of {@link afterWithin} join the next fsync, whatever runs it. */
  #takeLazy(): void {
    if (this.#lazy.length === 0) return;
    // Ahead of the others: they waited longer, as a rule.
    this.#waiting = this.#waiting.length === 0 ? this.#lazy : this.#lazy.concat(this.#waiting);
    this.#lazy = [];
  }

  /** Whether a group fsync is running on the worker thread ("batch" only). */
  get syncing(): boolean {
    return this.#syncing;
  }

  /** The moving average of fsync durations in ms. */
  get averageMs(): number {
    return this.#averageMs;
  }

  #took(started: number): void {
    this.#averageMs += AVERAGE_WEIGHT * (this.clock.monotonic() - started - this.#averageMs);
  }

  #syncNow(): string | undefined {
    const started = this.clock.monotonic();
    this.syncs++;
    try {
      this.target.syncNow();
    } catch (e) {
      return this.#failed(e);
    } finally {
      this.#took(started);
    }
    return undefined;
  }

  #failed(e: unknown): string {
    const reason = `cannot record: fsync failed: ${errCode(e)}`;
    this.onError(reason);
    return reason;
  }

  #groupSync(): void {
    const group = this.#waiting;
    this.#waiting = [];
    this.#syncing = true;
    this.syncs++;
    this.threadSyncs++;
    const started = this.clock.monotonic();
    const done = (error?: string) => {
      this.#took(started);
      this.#syncing = false;
      for (const then of group) then(error);
      if (this.#waiting.length > 0) {
        this.#takeLazy();
        this.#groupSync();
      }
      this.onSynced();
    };
    this.target.sync().then(
      () => done(),
      (e) => done(this.#failed(e)),
    );
  }
}
