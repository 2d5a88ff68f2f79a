/**
 * The state in etcd, one key per emperor and per vassal ({@link stateKeys}) under
 * `PREFIX/state/`. Each save writes only the keys that changed since the last write, in
 * transactions that each check the leader key is still the one this zeus created, so a
 * deposed leader's write fails instead of overwriting its successor's. A burst larger than
 * one transaction (etcd's 128 operations, 1.5 MiB) goes out as several guarded batches;
 * a takeover between two of them reads part of the burst, which a restore tolerates (the
 * emperors' reports are the truth). A new leader reads every key back at one revision.
 *
 * The state of earlier versions, one key `PREFIX/state`, is migrated by the first leader
 * that reads it: written as keys, then deleted (both guarded).
 *
 * @module
 */
import {
  type Compare,
  type EtcdClient,
  rangeAll,
  rangeKvs,
  rangeRequest,
  revisionOf,
  type TxnOp,
  txnRequest,
  txnResult,
} from "../etcd/mod.ts";
import { DeposedError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import type { ZeusState } from "./state_file.ts";
import { type StateSummary, summaryOf } from "./state_mirror.ts";
import { batches, keyChanges, stateFromKeys, stateKeys } from "./state_keys.ts";
import type { StateStore } from "./state_store.ts";

const log = getLogger("zeus", "state");
const text = new TextDecoder();

/** What one save wrote, for the benchmark and the logs. */
export interface SaveCost {
  puts: number;
  deletes: number;
  txns: number;
}

/** Checks the single-key state of earlier versions as a state file is checked, naming the key. */
export function parseLegacyState(key: string, bytes: Uint8Array): ZeusState {
  let doc: ZeusState;
  try {
    doc = JSON.parse(text.decode(bytes));
  } catch (e) {
    throw new SyntaxError(`etcd key ${key}: not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (doc?.version !== 1 || !Array.isArray(doc.emperors) || !Array.isArray(doc.vassals) || !Array.isArray(doc.destroying))
    throw new SyntaxError(`etcd key ${key} does not hold a zeus state`);
  return doc;
}

/**
 * The etcd store of one zeus; `leaderRevision()` is the revision that created the leader
 * key in this zeus' current term (-1 when it does not lead). `summary()` is the state it last
 * read or wholly wrote: what a takeover would restore, known to a leader without following
 * the keys it writes itself.
 *
 * @example
 * ```ts
 * declare const leaderRevision: number;
 * const store = etcdStore(etcd, "/zeus/prod", () => leaderRevision);
 * const state = await store.load(); // at the start of each term
 * await store.save(core.snapshot());
 * ```
 */
export function etcdStore(
  etcd: EtcdClient,
  prefix: string,
  leaderRevision: () => number,
): StateStore & { lastSave: SaveCost | undefined; keyCount(): number; summary(): StateSummary | undefined } {
  const base = `${prefix}/state/`;
  const legacy = `${prefix}/state`;
  /** The keys as etcd holds them (relative to base), known since this term's load. */
  let written = new Map<string, string>();
  /** The term the keys were read for: a save from another term writes nothing. */
  let loadedFor = -1;
  let summary: StateSummary | undefined;

  /**
   * Applies `ops` if the leader key is still the one of `term`, giving the revision written;
   * false when it is not but this zeus leads another term now (a write of a term that ended:
   * its successor writes its own).
   */
  const guarded = async (ops: TxnOp[], term = leaderRevision()): Promise<number | false> => {
    const guard: Compare[] = [{ key: `${prefix}/leader`, createRevision: term }];
    const res = await etcd.call(txnRequest(guard, ops));
    if (txnResult(res).succeeded) return revisionOf(res);
    if (term !== leaderRevision() && leaderRevision() > 0) return false;
    throw new DeposedError(`etcd refused to save the state: this zeus no longer holds ${prefix}/leader`);
  };

  const store = {
    where: `etcd keys ${base}`,
    lastSave: undefined as SaveCost | undefined,
    keyCount: () => written.size,
    summary: () => (loadedFor === leaderRevision() ? summary : undefined),
    async load(): Promise<ZeusState | undefined> {
      const term = leaderRevision();
      const started = performance.now();
      const { kvs, revision } = await rangeAll(etcd, base);
      log.info("read {n} keys under {base} at revision {revision} in {s} s", {
        n: kvs.length,
        base,
        revision,
        s: ((performance.now() - started) / 1000).toFixed(2),
      });
      written = new Map(kvs.map((kv) => [kv.key.slice(base.length), text.decode(kv.value)]));
      loadedFor = term;
      summary = undefined;
      const old = rangeKvs(await etcd.call(rangeRequest(legacy)))[0];
      if (old) {
        const state = parseLegacyState(legacy, old.value);
        await store.save(state);
        await guarded([{ delete: legacy }]);
        log.info("migrated the single-key state {old} to one key per emperor and vassal under {base} ({n} vassals)", {
          old: legacy,
          base,
          n: state.vassals.length,
        });
        return state;
      }
      const state = written.size ? stateFromKeys(written, base) : undefined;
      summary = state ? summaryOf(state, revision) : { vassals: 0, copies: 0, emperors: 0, revision };
      return state;
    },
    async save(state: ZeusState): Promise<void> {
      // Only the term whose keys were read writes, against those keys, under its own leader
      // key: a save still going when a new term read the keys again stops at its next batch.
      const term = loadedFor;
      const keys = written;
      if (term < 0 || term !== leaderRevision()) return;
      const next = stateKeys(state);
      const cost: SaveCost = { puts: 0, deletes: 0, txns: 0 };
      let revision = summary?.revision ?? 0;
      for (const batch of batches(keyChanges(keys, next))) {
        const ops = [
          ...batch.puts.map(([k, v]): TxnOp => ({ put: base + k, value: v })),
          ...batch.deletes.map((k): TxnOp => ({ delete: base + k })),
        ];
        const at = await guarded(ops, term);
        if (at === false) return;
        revision = at;
        for (const [k, v] of batch.puts) keys.set(k, v);
        for (const k of batch.deletes) keys.delete(k);
        cost.puts += batch.puts.length;
        cost.deletes += batch.deletes.length;
        cost.txns++;
      }
      store.lastSave = cost;
      if (term === loadedFor) summary = summaryOf(state, revision);
    },
  };
  return store;
}
