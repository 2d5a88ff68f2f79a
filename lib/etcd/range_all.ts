/**
 * Reads every key under a prefix in pages, all at one revision: a listing of any size
 * without one response growing past etcd's or the gateway's message limits.
 *
 * @module
 */
import { EtcdError } from "../errors.ts";
import type { EtcdClient } from "./client.ts";
import { type EtcdRequest, type KeyValue, prefixEnd, rangeKvs, rangeMore, rangeRequest, revisionOf } from "./requests.ts";

/**
 * Every key-value under `prefix`, sorted by key, read at one revision. `signal` ends a
 * listing nobody wants any more between two pages (a follower that started to lead).
 *
 * @throws {EtcdError} when etcd does not answer or refuses a page
 * @throws the signal's reason once it is aborted
 * @example
 * ```ts
 * const { kvs, revision } = await rangeAll(etcd, "/zeus/prod/state/");
 * ```
 */
export async function rangeAll(
  etcd: Pick<EtcdClient, "call">,
  prefix: string,
  page = 1000,
  signal?: AbortSignal,
): Promise<{ kvs: KeyValue[]; revision: number }> {
  const end = prefixEnd(prefix);
  const kvs: KeyValue[] = [];
  let from = prefix;
  let revision = 0;
  for (;;) {
    signal?.throwIfAborted();
    const res = await pageOf(etcd, rangeRequest(from, { end, limit: page, ...(revision ? { revision } : {}) }));
    if (!revision) revision = revisionOf(res);
    const got = rangeKvs(res);
    kvs.push(...got);
    if (!rangeMore(res) || got.length === 0) return { kvs, revision };
    // The next page starts just after the last key read.
    from = `${got[got.length - 1]!.key}\0`;
  }
}

/** Tries at a page that went unanswered: one page late on a loaded machine need not lose a listing of 200 pages. */
export const PAGE_TRIES = 3;

/** One page, asked again (at the same revision) when no member answered in time. */
async function pageOf(etcd: Pick<EtcdClient, "call">, req: EtcdRequest): Promise<Record<string, unknown>> {
  for (let tries = 1; ; tries++) {
    try {
      return await etcd.call(req);
    } catch (e) {
      if (!(e instanceof EtcdError && e.unreachable) || tries >= PAGE_TRIES) throw e;
    }
  }
}
