/**
 * Vassals from an etcd prefix (`--vassals etcd://HOST:PORT/PREFIX/`): each key under the
 * prefix is a vassal name (`app.toml`), its value the config. Changes come through an etcd
 * watch: a new key is added, a new value changed, the same value written again touched
 * (a reload, like `touch` on a file), a deleted key removed. Every zeus reading one prefix
 * sees the same set.
 *
 * @module
 */
import { deleteRequest, type EtcdClient, putRequest, rangeAll, watchMessage, watchRequest } from "../etcd/mod.ts";
import { getLogger } from "../log/mod.ts";
import { backoffMs } from "../net/mod.ts";
import type { DirChanges } from "../watch/mod.ts";
import { VASSAL_FILE, type VassalSource } from "./vassal_source.ts";

const log = getLogger("zeus", "vassals");

interface Entry {
  body: Uint8Array;
  modRevision: number;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);

/**
 * The vassals under an etcd prefix.
 *
 * @example
 * ```ts
 * const source = etcdVassals(etcd, "/zeus/vassals/", "etcd://10.0.0.1:2379/zeus/vassals/");
 * await source.start((c) => console.log(c.added));
 * ```
 */
export function etcdVassals(etcd: EtcdClient, prefix: string, where: string): VassalSource {
  const dir = prefix.endsWith("/") ? prefix : `${prefix}/`;
  const entries = new Map<string, Entry>();
  const warned = new Set<string>();
  let report: (c: DirChanges) => void = () => {};
  let revision = 0;
  let stopped = false;
  let abort = new AbortController();

  const nameOf = (key: string): string | undefined => {
    const name = key.slice(dir.length);
    if (VASSAL_FILE.test(name) && !name.includes("/")) return name;
    if (!warned.has(name)) log.warn("ignoring etcd key {key}: not a vassal name ending in .ini or .toml", { key });
    warned.add(name);
    return undefined;
  };
  const empty = (): DirChanges => ({ added: [], changed: [], touched: [], removed: [] });
  const flush = (c: DirChanges) => {
    if (c.added.length || c.changed.length || c.touched.length || c.removed.length) report(c);
  };

  /**
   * Reads the whole prefix, in pages at one revision, and reports the difference with what
   * was known. One range of 200 000 vassals was 30 MB that etcd did not send within the
   * client's 2 s: zeus could not start.
   */
  const list = async (): Promise<void> => {
    const all = await rangeAll(etcd, dir);
    const c = empty();
    const seen = new Set<string>();
    for (const kv of all.kvs) {
      const name = nameOf(kv.key);
      if (!name) continue;
      seen.add(name);
      const old = entries.get(name);
      if (!old) c.added.push(name);
      else if (!same(old.body, kv.value)) c.changed.push(name);
      else if (old.modRevision !== kv.modRevision) c.touched.push(name);
      entries.set(name, { body: kv.value, modRevision: kv.modRevision });
    }
    for (const name of [...entries.keys()]) {
      if (seen.has(name)) continue;
      entries.delete(name);
      c.removed.push(name);
    }
    revision = all.revision;
    flush(c);
  };

  const watch = async (): Promise<void> => {
    let attempt = 0;
    while (!stopped) {
      try {
        await etcd.watch(
          watchRequest(dir, { prefix: true, startRevision: revision + 1 }),
          (msg) => {
            const m = watchMessage(msg);
            if (m.canceled) throw new Error(`watch cancelled: ${m.canceled}`);
            const c = empty();
            for (const e of m.events) {
              const name = nameOf(e.kv.key);
              if (!name) continue;
              const old = entries.get(name);
              if (e.type === "delete") {
                if (entries.delete(name)) c.removed.push(name);
              } else {
                if (!old) c.added.push(name);
                else if (!same(old.body, e.kv.value)) c.changed.push(name);
                else c.touched.push(name);
                entries.set(name, { body: e.kv.value, modRevision: e.kv.modRevision });
              }
              revision = Math.max(revision, e.kv.modRevision);
            }
            attempt = 0;
            flush(c);
          },
          abort.signal,
        );
      } catch (e) {
        if (stopped) return;
        log.warn("watch on {where} broke: {why}; reading it again", { where, why: (e as Error).message });
      }
      if (stopped) return;
      await Bun.sleep(backoffMs(attempt++, { firstMs: 250, maxMs: 2000 }));
      // Whatever happened meanwhile (even past a compaction) is found by reading it all again;
      // if that fails too, the watch below fails and this loop tries again.
      await list().catch((e) => log.warn("cannot read {where} again: {why}", { where, why: (e as Error).message }));
    }
  };

  return {
    where,
    async start(onChange) {
      report = onChange;
      try {
        await list();
      } catch (e) {
        throw new Error(`--vassals ${where}: ${(e as Error).message}`, { cause: e });
      }
      void watch();
    },
    names: () => entries.keys(),
    has: (name) => entries.has(name),
    read: (name) => entries.get(name)?.body,
    rescan: () => void list().catch((e) => log.warn("cannot read {where}: {why}", { where, why: (e as Error).message })),
    async put(name, body) {
      await etcd.call(putRequest(`${dir}${name}`, body));
    },
    async remove(name) {
      const res = await etcd.call(deleteRequest(`${dir}${name}`));
      return Number(res.deleted ?? 0) > 0;
    },
    stop() {
      stopped = true;
      abort.abort();
      abort = new AbortController();
    },
  };
}
