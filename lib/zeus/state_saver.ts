/**
 * Saves the coordinator's state through a {@link StateStore}: coalesced to one write per
 * burst of changes, one write at a time, and only while this zeus may write (a leader of
 * several zeus proving its lease). A write etcd refuses (this zeus was deposed) is reported.
 *
 * @module
 */
import { getLogger } from "../log/logging.ts";
import type { ZeusState } from "./state_file.ts";
import type { StateStore } from "./state_store.ts";

const log = getLogger("zeus", "server");

/**
 * The state's writer.
 *
 * @example
 * ```ts
 * const saver = new StateSaver(store, () => core.snapshot(), { mayWrite: () => true, refused: () => {} });
 * saver.queue(); // after every change
 * ```
 */
export class StateSaver {
  #queued = false;
  #stopped = false;
  #saving: Promise<void> = Promise.resolve();

  constructor(
    readonly store: StateStore,
    readonly snapshot: () => ZeusState,
    readonly opts: { mayWrite(): boolean; refused(why: string): void },
  ) {}

  /** Something changed: a write follows before the next I/O turn (coalesced). */
  queue(): void {
    if (this.#queued || this.#stopped) return;
    this.#queued = true;
    setImmediate(() => (this.#saving = this.#saving.then(() => this.#save())));
  }

  /** Writes now (after any write in progress); resolves when done. */
  async flush(): Promise<void> {
    this.#saving = this.#saving.then(() => this.#save());
    await this.#saving;
  }

  /** No more writes: the closing connections of a stopping zeus are not changes to keep. */
  stop(): void {
    this.#stopped = true;
  }

  async #save(): Promise<void> {
    this.#queued = false;
    if (!this.opts.mayWrite()) return;
    try {
      await this.store.save(this.snapshot());
    } catch (e) {
      const error = (e as Error).message;
      log.error("cannot save state to {path}: {error}", { path: this.store.where, error });
      if (!(e as { unreachable?: boolean }).unreachable) this.opts.refused(error);
    }
  }
}
