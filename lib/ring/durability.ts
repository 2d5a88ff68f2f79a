/**
 * When an OK may go out: the fsync policy of ring.toml, with group commit for "batch".
 *
 * @module
 */
import type { FsyncPolicy } from "../config/mod.ts";
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

/** Weight of the newest fsync in the moving average of their durations. */
const AVERAGE_WEIGHT = 0.25;

/**
 * Runs callbacks once what was written before them is durable under a policy:
 * "never" at once, "always" after a blocking fsync, "batch" after the next group fsync
 * (one per commit; everything that waited while a fsync on the worker thread ran shares
 * the next one).
 *
 * @example
 * ```ts
 * const d = new Durability("batch", files);
 * d.after((error) => console.log(error ?? "OK"));
 * ```
 */
export class Durability {
  #waiting: ((error?: string) => void)[] = [];
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
    readonly now: () => number = () => performance.now(),
  ) {}

  /** Calls `then` once durable, or with a reason ("cannot record: fsync failed: EIO") if not. */
  after(then: (error?: string) => void): void {
    if (this.policy === "never") return then();
    if (this.policy === "always") return then(this.#syncNow());
    this.#waiting.push(then);
    if (this.#syncing) return;
    if (this.#averageMs < this.inlineBelowMs) {
      const group = this.#waiting;
      this.#waiting = [];
      const error = this.#syncNow();
      for (const cb of group) cb(error);
    } else this.#groupSync();
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
    this.#averageMs += AVERAGE_WEIGHT * (this.now() - started - this.#averageMs);
  }

  #syncNow(): string | undefined {
    const started = this.now();
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
    const started = this.now();
    const done = (error?: string) => {
      this.#took(started);
      this.#syncing = false;
      for (const then of group) then(error);
      if (this.#waiting.length > 0) this.#groupSync();
      this.onSynced();
    };
    this.target.sync().then(
      () => done(),
      (e) => done(this.#failed(e)),
    );
  }
}
