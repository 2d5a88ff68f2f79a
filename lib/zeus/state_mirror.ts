/**
 * The state as etcd holds it, followed by every zeus (the leader's writes seen by the
 * standbys): the keys under `PREFIX/state/` are read whole, then watched, and read whole
 * again after a broken watch. `zeus status` on any zeus says what a takeover would restore.
 *
 * @module
 */
import { type EtcdClient, type KeyValue, rangeAll, watchMessage, watchRequest } from "../etcd/mod.ts";
import { getLogger } from "../log/mod.ts";
import { backoffMs } from "../net/mod.ts";

const log = getLogger("zeus", "ha");
const text = new TextDecoder();

/** What `/status` shows under `ha.state`. */
export interface StateSummary {
  vassals: number;
  /** Copies assigned, over every vassal. */
  copies: number;
  emperors: number;
  /** The etcd revision this summary is at. */
  revision: number;
  /** Vassal keys (relative) whose value is not a vassal's record: a takeover cannot restore them. */
  unreadable?: string[];
}

/**
 * The copies a vassal key assigns (0 for other keys), or why its value is not a vassal's.
 *
 * @example
 * ```ts
 * copiesOf({ key: "/z/state/vassal/a.toml", value: new TextEncoder().encode('{"assignments":[]}') }, "/z/state/"); // 0
 * ```
 */
export function copiesOf(kv: Pick<KeyValue, "key" | "value">, base: string): number | { error: string } {
  if (!kv.key.startsWith(`${base}vassal/`)) return 0;
  let doc: unknown;
  try {
    doc = JSON.parse(text.decode(kv.value));
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message}` };
  }
  const a = (doc as { assignments?: unknown } | null)?.assignments;
  return Array.isArray(a) ? a.length : { error: "it has no assignments" };
}

/**
 * A follower of the state's keys.
 *
 * @example
 * ```ts
 * const mirror = new StateMirror(etcd, "/zeus/prod/state/");
 * mirror.start();
 * mirror.summary(); // { vassals: 20, copies: 20, emperors: 3, revision: 57 } once read
 * ```
 */
export class StateMirror {
  /** Relative key → copies it assigns. */
  #keys = new Map<string, number>();
  /** Relative keys whose value could not be read as a vassal's. */
  #unreadable = new Set<string>();
  #revision = 0;
  #read = false;
  #stopped = false;
  #abort = new AbortController();

  constructor(
    readonly etcd: EtcdClient,
    readonly base: string,
  ) {}

  /** Starts following; failures are retried (the election reports etcd's). */
  start(): void {
    void this.#loop();
  }

  /** Stops following (the watch is closed). */
  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
  }

  /** The state as last seen; undefined until it was read once. */
  summary(): StateSummary | undefined {
    if (!this.#read) return undefined;
    let vassals = 0;
    let copies = 0;
    let emperors = 0;
    for (const [key, n] of this.#keys) {
      if (key.startsWith("vassal/")) {
        vassals++;
        copies += n;
      } else if (key.startsWith("emperor/")) emperors++;
    }
    const unreadable = [...this.#unreadable].sort();
    return { vassals, copies, emperors, revision: this.#revision, ...(unreadable.length > 0 ? { unreadable } : {}) };
  }

  #set(kv: KeyValue): void {
    const key = kv.key.slice(this.base.length);
    const copies = copiesOf(kv, this.base);
    if (typeof copies === "number") {
      this.#unreadable.delete(key);
      return void this.#keys.set(key, copies);
    }
    if (!this.#unreadable.has(key))
      log.warn("state key {key} does not hold a vassal: {why}; a takeover cannot restore it", { key: kv.key, why: copies.error });
    this.#unreadable.add(key);
    this.#keys.set(key, 0);
  }

  #delete(key: string): void {
    this.#keys.delete(key);
    this.#unreadable.delete(key);
  }

  async #loop(): Promise<void> {
    let attempt = 0;
    while (!this.#stopped) {
      try {
        const { kvs, revision } = await rangeAll(this.etcd, this.base);
        this.#keys.clear();
        this.#unreadable.clear();
        for (const kv of kvs) this.#set(kv);
        this.#revision = revision;
        this.#read = true;
        attempt = 0;
        await this.etcd.watch(
          watchRequest(this.base, { prefix: true, startRevision: revision + 1 }),
          (msg) => {
            const m = watchMessage(msg);
            if (m.canceled) throw new Error(`watch cancelled: ${m.canceled}`);
            for (const e of m.events) {
              if (e.type === "delete") this.#delete(e.kv.key.slice(this.base.length));
              else this.#set(e.kv);
            }
            this.#revision = Math.max(this.#revision, m.revision);
          },
          this.#abort.signal,
        );
      } catch (e) {
        if (this.#stopped) return;
        if (attempt === 0) log.debug("following {base} broke: {why}; reading it again", { base: this.base, why: (e as Error).message });
      }
      if (this.#stopped) return;
      await Bun.sleep(backoffMs(attempt++, { firstMs: 250, maxMs: 2000 }));
    }
  }
}
