/**
 * When the journal's L mark may move: only once access.log and the store hold, on disk,
 * the lines it vouches for. OK waits for the journal's fsync alone (the journal holds every
 * message); access.log and the store are synced here, lazily, a few times a second, and
 * whatever a crash took from them is put back from the journal's records after the last
 * L mark at the next start (recovery).
 *
 * @module
 */
import type { FsyncPolicy } from "../config/mod.ts";
import { errCode } from "../errors.ts";

/** How long logged lines may wait before access.log and the store are synced (documented in docs/ring.md). */
export const CHECKPOINT_MS = 500;

/**
 * Syncs access.log and the store some time after lines were logged, then reports how many
 * M records are now safely there. With fsync "never" nothing is synced and the count is
 * reported at once.
 *
 * @example
 * ```ts
 * let safe = 0; // the L mark written with the next commit
 * const cp = new Checkpoint("batch", () => files.syncLogged(), (count) => (safe = count), (reason) => log.error(reason));
 * cp.logged(node.recorded); // some time later: safe === node.recorded
 * ```
 */
export class Checkpoint {
  #pending: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  /** Bumped by {@link reset}: a sync that started before it reports nothing. */
  #epoch = 0;

  constructor(
    readonly policy: FsyncPolicy,
    readonly sync: () => Promise<void>,
    readonly onSafe: (count: number) => void,
    readonly onError: (reason: string) => void = () => {},
    readonly delayMs: number = CHECKPOINT_MS,
  ) {}

  /** The first `count` M records have been written to access.log and the store. */
  logged(count: number): void {
    if (this.policy === "never") return this.onSafe(count);
    this.#pending = count;
    if (this.#timer || this.#running) return;
    this.#timer = setTimeout(() => this.#run(), this.delayMs);
    this.#timer.unref?.();
  }

  /** Forgets what is pending (the journal was compacted: counts start again at 0). */
  reset(): void {
    this.#epoch++;
    this.#pending = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Stops the timer (at stop; the caller syncs everything itself). */
  stop(): void {
    this.reset();
  }

  #run(): void {
    this.#timer = undefined;
    const count = this.#pending;
    if (count === undefined) return;
    this.#pending = undefined;
    this.#running = true;
    const epoch = this.#epoch;
    const done = (error?: unknown) => {
      this.#running = false;
      // After a failure the mark stays where it was (recovery checks those lines again); the
      // next lines logged try again, and cover these.
      if (error !== undefined) this.onError(`cannot sync access.log and the store: ${errCode(error)}`);
      else if (epoch === this.#epoch) this.onSafe(count);
      if (this.#pending !== undefined) this.logged(this.#pending);
    };
    this.sync().then(
      () => done(),
      (e) => done(e ?? "error"),
    );
  }
}
