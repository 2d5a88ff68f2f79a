/**
 * Where the coordinator's state lives: a file (`--state FILE`, the default) or etcd
 * (`--state etcd://...`, several zeus: etcd_state_store.ts). The server saves through this interface and
 * loads through it when it starts leading, whatever the backend.
 *
 * @module
 */
import { loadState, saveState, saveStateAsync, type ZeusState } from "./state_file.ts";
import { SLICED_STATE_ABOVE } from "./state_snapshot.ts";

/** A place to keep the state. */
export interface StateStore {
  /** For log lines: the file, or the etcd key. */
  readonly where: string;
  /** The saved state; `undefined` when nothing was saved yet. */
  load(): Promise<ZeusState | undefined>;
  /**
   * Saves `state` durably.
   *
   * @throws {DeposedError} when this zeus may no longer write: it was deposed
   */
  save(state: ZeusState): Promise<void>;
}

/**
 * The state in one file, written atomically.
 *
 * @example
 * ```ts
 * const store = fileStore("/var/lib/zeus/state.json");
 * ```
 */
export function fileStore(path: string): StateStore {
  return {
    where: path,
    load: async () => loadState(path),
    // A large state off the event loop; a small one at once, in the turn of the change.
    save: async (state) => (state.vassals.length > SLICED_STATE_ABOVE ? saveStateAsync(path, state) : saveState(path, state)),
  };
}
