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
import type { ZeusState } from "./state_file.ts";

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
 * The summary of a state a leader read or wrote, at the etcd revision it was read or written at.
 *
 * @example
 * ```ts
 * summaryOf({ version: 1, savedAt: "", emperors: [], vassals: [], destroying: [] }, 7); // { vassals: 0, copies: 0, emperors: 0, revision: 7 }
 * ```
 */
export function summaryOf(state: ZeusState, revision: number): StateSummary {
  let copies = 0;
  for (const v of state.vassals) copies += v.assignments.length;
  return { vassals: state.vassals.length, copies, emperors: state.emperors.length, revision };
}

/**
 * A follower of the state's keys, while this zeus stands by: a leader knows the state it
 * read and writes, and a second reading of 200 000 keys beside its own would double etcd's
 * work at the moment it takes over.
 *
 * @example
 * ```ts
 * const mirror = new StateMirror(etcd, "/zeus/prod/state/");
 * mirror.follow();
 * mirror.summary(); // { vassals: 20, copies: 20, emperors: 3, revision: 57 } once read
 * mirror.pause(); // leading now
 * ```
 */
export class StateMirror {
  /** Relative key → copies it assigns. */
  #keys = new Map<string, number>();
  /** Relative keys whose value could not be read as a vassal's. */
  #unreadable = new Set<string>();
  #revision = 0;
  #read = false;
  /** Ends the reading or watch going on; undefined while not following. */
  #abort: AbortController | undefined;

  constructor(
    readonly etcd: EtcdClient,
    readonly base: string,
  ) {}

  /** Starts following (nothing when it already does); failures are retried (the election reports etcd's). */
  follow(): void {
    if (this.#abort) return;
    this.#abort = new AbortController();
    void this.#loop(this.#abort.signal);
  }

  /** Stops following, between two pages of a reading or by closing the watch; the summary is gone until read again. */
  pause(): void {
    this.#abort?.abort(new Error("no longer following"));
    this.#abort = undefined;
    this.#read = false;
    this.#keys.clear();
    this.#unreadable.clear();
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

  async #loop(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        const { kvs, revision } = await rangeAll(this.etcd, this.base, undefined, signal);
        // A reading that ends after a pause (or a pause and a new follow) is not this follower's.
        if (signal.aborted) return;
        this.#keys.clear();
        this.#unreadable.clear();
        for (const kv of kvs) this.#set(kv);
        this.#revision = revision;
        this.#read = true;
        attempt = 0;
        await this.etcd.watch(
          watchRequest(this.base, { prefix: true, startRevision: revision + 1 }),
          (msg) => {
            if (signal.aborted) return;
            const m = watchMessage(msg);
            if (m.canceled) throw new Error(`watch cancelled: ${m.canceled}`);
            for (const e of m.events) {
              if (e.type === "delete") this.#delete(e.kv.key.slice(this.base.length));
              else this.#set(e.kv);
            }
            this.#revision = Math.max(this.#revision, m.revision);
          },
          signal,
        );
      } catch (e) {
        if (signal.aborted) return;
        if (attempt === 0) log.debug("following {base} broke: {why}; reading it again", { base: this.base, why: (e as Error).message });
      }
      if (signal.aborted) return;
      await Bun.sleep(backoffMs(attempt++, { firstMs: 250, maxMs: 2000 }));
    }
  }
}
