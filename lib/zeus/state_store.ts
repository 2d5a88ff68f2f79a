/**
 * Where the coordinator's state lives: a file (`--state FILE`, the default) or etcd
 * (`--state etcd://...`, several zeus). The server saves through this interface and
 * loads through it when it starts leading, whatever the backend.
 *
 * @module
 */
import type { EtcdClient } from "../etcd/client.ts";
import { rangeKvs, rangeRequest, txnRequest, txnResult } from "../etcd/requests.ts";
import { EtcdError } from "../errors.ts";
import { loadState, saveState, type ZeusState } from "./state_file.ts";

/** A place to keep the state. */
export interface StateStore {
  /** For log lines: the file, or the etcd key. */
  readonly where: string;
  /** The saved state; `undefined` when nothing was saved yet. */
  load(): Promise<ZeusState | undefined>;
  /**
   * Saves `state` durably.
   *
   * @throws {EtcdError} (not unreachable) when this zeus may no longer write: it was deposed
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
    save: async (state) => saveState(path, state),
  };
}

/** Checks a state read from etcd as a state file is checked, naming the key. */
function parse(key: string, bytes: Uint8Array): ZeusState {
  let doc: ZeusState;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new SyntaxError(`etcd key ${key}: not JSON: ${(e as Error).message}`);
  }
  if (doc?.version !== 1 || !Array.isArray(doc.emperors) || !Array.isArray(doc.vassals) || !Array.isArray(doc.destroying))
    throw new SyntaxError(`etcd key ${key} does not hold a zeus state`);
  return doc;
}

/**
 * The state in one etcd key, `${prefix}/state`, written only by a transaction that also
 * checks that the leader key is still the one this zeus created (`leaderRevision()`):
 * a deposed leader's write fails instead of overwriting its successor's.
 *
 * @example
 * ```ts
 * const store = etcdStore(etcd, "/zeus/prod", () => election.leaderRevision);
 * ```
 */
export function etcdStore(etcd: EtcdClient, prefix: string, leaderRevision: () => number): StateStore {
  const key = `${prefix}/state`;
  return {
    where: `etcd key ${key}`,
    async load() {
      const kv = rangeKvs(await etcd.call(rangeRequest(key)))[0];
      return kv ? parse(key, kv.value) : undefined;
    },
    async save(state) {
      const guard = [{ key: `${prefix}/leader`, createRevision: leaderRevision() }];
      const res = await etcd.call(txnRequest(guard, [{ put: key, value: JSON.stringify(state) }]));
      if (!txnResult(res).succeeded)
        throw new EtcdError(`etcd refused to save the state: this zeus no longer holds ${prefix}/leader`, false);
    },
  };
}

/** The etcd state's parser, for the prefix check at start. */
export { parse as parseEtcdState };
