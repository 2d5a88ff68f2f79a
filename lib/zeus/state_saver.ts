/**
 * Saves the coordinator's state through a {@link StateStore}: coalesced to one write per
 * burst of changes, one write at a time, spaced by five times the last write's duration (at
 * most {@link MAX_SPACING_MS}) so that a large state, whose write takes long, is written
 * less often rather than on every burst (100 000 copies: 25 % of zeus's CPU went to writes), and only while this zeus may write (a leader of
 * several zeus proving its lease) and nothing holds the writes (`hold`: zeus settling after a restart). A write refused because this zeus was deposed is
 * reported; any other failure (etcd unreachable, a full disk) is logged once and retried
 * every second until a write succeeds.
 *
 * @module
 */
import { DeposedError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import type { ZeusState } from "./state_file.ts";
import type { StateStore } from "./state_store.ts";

const log = getLogger("zeus", "server");

/** The longest a change waits for its write because writes are spaced out (plus the write). */
export const MAX_SPACING_MS = 2000;

/**
 * The state's writer.
 *
 * @example
 * ```ts
 * declare const store: StateStore;
 * const saver = new StateSaver(store, () => core.snapshot(), { mayWrite: () => true, refused: () => {} });
 * saver.queue(); // after every change
 * ```
 */
export class StateSaver {
  #queued = false;
  #stopped = false;
  #saving: Promise<void> = Promise.resolve();
  #failing: string | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** When the last write ended and how long it took (performance.now() ms). */
  #lastEnd = 0;
  #lastTook = 0;
  #spaced: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly store: StateStore,
    /**
     * The state to write (zeus makes it a slice at a time: Coordinator.snapshotSliced), or
     * undefined when there is none to write now (no term runs: writing nothing keeps the saved one).
     */
    readonly snapshot: () => ZeusState | undefined | Promise<ZeusState | undefined>,
    readonly opts: {
      mayWrite(): boolean;
      refused(why: string): void;
      retryMs?: number;
      /**
       * While true, a queued write is skipped (whoever ends the hold queues one); {@link flush}
       * writes regardless. zeus holds while it settles after a restart (zeus_server.ts).
       */
      hold?(): boolean;
    },
  ) {}

  /** Something changed: a write follows after this burst (coalesced), or once spacing allows. */
  queue(): void {
    if (this.#queued || this.#stopped) return;
    this.#queued = true;
    const write = () => (this.#saving = this.#saving.then(() => this.#save(true)));
    const wait = this.#lastEnd + Math.min(MAX_SPACING_MS, 5 * this.#lastTook) - performance.now();
    if (wait < 1) setImmediate(write);
    else this.#spaced = setTimeout(write, wait);
  }

  /** Writes now (after any write in progress); resolves when done. */
  async flush(): Promise<void> {
    this.#saving = this.#saving.then(() => this.#save());
    await this.#saving;
  }

  /** No more writes: the closing connections of a stopping zeus are not changes to keep. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearTimeout(this.#spaced);
  }

  async #save(queued = false): Promise<void> {
    this.#queued = false;
    if (!this.opts.mayWrite() || (queued && this.opts.hold?.())) return;
    const t0 = performance.now();
    try {
      const state = await this.snapshot();
      if (!state) return;
      await this.store.save(state);
      this.#lastEnd = performance.now();
      this.#lastTook = this.#lastEnd - t0;
      if (this.#failing) log.info("state saved to {path} again", { path: this.store.where });
      this.#failing = undefined;
    } catch (e) {
      const error = (e as Error).message;
      if (e instanceof DeposedError) return this.opts.refused(error);
      if (error !== this.#failing)
        log.error("cannot save state to {path}: {error}; retrying every second", { path: this.store.where, error });
      this.#failing = error;
      clearTimeout(this.#retry);
      if (!this.#stopped) this.#retry = setTimeout(() => this.queue(), this.opts.retryMs ?? 1000);
    }
  }
}
