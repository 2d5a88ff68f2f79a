/**
 * Reads every key under a prefix in pages, all at one revision: a listing of any size
 * without one response growing past etcd's or the gateway's message limits.
 *
 * @module
 */
import type { EtcdClient } from "./client.ts";
import { type KeyValue, prefixEnd, rangeKvs, rangeMore, rangeRequest, revisionOf } from "./requests.ts";

/**
 * Every key-value under `prefix`, sorted by key, read at one revision.
 *
 * @throws {EtcdError} when etcd does not answer or refuses a page
 * @example
 * ```ts
 * const { kvs, revision } = await rangeAll(etcd, "/zeus/prod/state/");
 * ```
 */
export async function rangeAll(etcd: EtcdClient, prefix: string, page = 1000): Promise<{ kvs: KeyValue[]; revision: number }> {
  const end = prefixEnd(prefix);
  const kvs: KeyValue[] = [];
  let from = prefix;
  let revision = 0;
  for (;;) {
    const res = await etcd.call(rangeRequest(from, { end, limit: page, ...(revision ? { revision } : {}) }));
    if (!revision) revision = revisionOf(res);
    const got = rangeKvs(res);
    kvs.push(...got);
    if (!rangeMore(res) || got.length === 0) return { kvs, revision };
    // The next page starts just after the last key read.
    from = `${got[got.length - 1]!.key}\0`;
  }
}
