/**
 * When an OK may go out: the fsync policy of ring.toml, with group commit for "batch".
 *
 * @module
 */
import type { FsyncPolicy } from "../config/mod.ts";
import { errCode } from "./log_files.ts";

/** What can be flushed to disk: blocking, or on a worker thread. */
export interface Syncable {
  syncNow(): void;
  sync(): Promise<void>;
}

/**
 * Runs callbacks once what was written before them is durable under a policy:
 * "never" at once, "always" after a blocking fsync, "batch" after the next group fsync
 * (everything that waited while the previous fsync ran shares one).
 *
 * @example
 * ```ts
 * const d = new Durability("batch", files);
 * d.after((error) => reply(error));
 * ```
 */
export class Durability {
  #waiting: ((error?: string) => void)[] = [];
  #syncing = false;
  /** fsyncs run so far (for tests and stats). */
  syncs = 0;
  /** Called each time a group fsync has finished and answered its callbacks. */
  onSynced: () => void = () => {};

  constructor(
    readonly policy: FsyncPolicy,
    readonly target: Syncable,
    readonly onError: (reason: string) => void = () => {},
  ) {}

  /** Calls `then` once durable, or with a reason ("cannot record: fsync failed: EIO") if not. */
  after(then: (error?: string) => void): void {
    if (this.policy === "never") return then();
    if (this.policy === "always") {
      try {
        this.syncs++;
        this.target.syncNow();
      } catch (e) {
        return then(this.#failed(e));
      }
      return then();
    }
    this.#waiting.push(then);
    if (!this.#syncing) this.#groupSync();
  }

  /** Whether a group fsync is running ("batch" only). */
  get syncing(): boolean {
    return this.#syncing;
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
    const done = (error?: string) => {
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
