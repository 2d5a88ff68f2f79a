/**
 * The zeus state as many small etcd keys, so that it scales with the fleet: one key per
 * emperor, per vassal (with its assignments) and per emperor's pending destroys, plus one
 * `meta` key for everything else. A change rewrites only the keys whose value changed.
 * Pure: a {@link ZeusState} in, key → JSON text out, and back.
 *
 * Layout, relative to `PREFIX/state/`:
 * ```
 * meta                 {"version":2, ...every other top-level field of the state}
 * emperor/NODE         one entry of state.emperors, without `lastSeen` (read back as 0)
 * vassal/NAME          one entry of state.vassals (whatever fields it has)
 * destroying/NODE      ["name", ...]: state.destroying on that node
 * ```
 * NODE and NAME are URI-encoded. Fields added to the state later are kept: a vassal's or an
 * emperor's travel inside its entry, a new top-level field inside `meta`.
 *
 * @module
 */
import { savedRolloutProblem, type SavedVassal, type ZeusState } from "./state_file.ts";

/** The layout's version, in `meta`. */
export const STATE_KEYS_VERSION = 2;

type Entry = Record<string, unknown>;
type Emperor = ZeusState["emperors"][number];

/** Fields with keys of their own; `savedAt` is not kept (it would change every key set). */
const SPLIT = new Set(["version", "savedAt", "emperors", "vassals", "destroying"]);

/**
 * The keys of a state, relative to `PREFIX/state/`, each with its JSON value.
 *
 * @example
 * ```ts
 * stateKeys(core.snapshot()).get("vassal/app.toml"); // '{"name":"app.toml",...}'
 * ```
 */
export function stateKeys(state: ZeusState): Map<string, string> {
  const out = new Map<string, string>();
  const meta: Entry = { version: STATE_KEYS_VERSION };
  for (const [k, v] of Object.entries(state)) if (!SPLIT.has(k)) meta[k] = v;
  out.set("meta", JSON.stringify(meta));
  // Without its last heartbeat: that changes every second on every emperor, a restore does
  // not use it, and keeping it would rewrite every emperor's key at every save.
  for (const { lastSeen: _, ...e } of state.emperors) out.set(`emperor/${encodeURIComponent(e.node)}`, JSON.stringify(e));
  for (const v of state.vassals) out.set(`vassal/${encodeURIComponent(v.name)}`, JSON.stringify(v));
  const destroying = new Map<string, string[]>();
  for (const d of state.destroying) destroying.set(d.node, [...(destroying.get(d.node) ?? []), d.name]);
  for (const [node, names] of destroying) out.set(`destroying/${encodeURIComponent(node)}`, JSON.stringify(names));
  return out;
}

function parseJson(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`etcd key ${key}: not JSON: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The state held by keys read back (`[relative key, JSON text]`, in any order); `where`
 * prefixes keys in errors.
 *
 * @throws {SyntaxError} naming the key when a value is not what zeus writes there
 * @example
 * ```ts
 * const base = "/zeus/prod/state/";
 * const kvs = rangeKvs(await etcd.call(rangeRequest(base, { prefix: true })));
 * const state = stateFromKeys(kvs.map((kv) => [kv.key.slice(base.length), new TextDecoder().decode(kv.value)]), base);
 * ```
 */
export function stateFromKeys(keys: Iterable<[string, string]>, where = ""): ZeusState {
  const state: ZeusState = { version: 1, savedAt: new Date(0).toISOString(), emperors: [], vassals: [], destroying: [] };
  const bad = (key: string, what: string): never => {
    throw new SyntaxError(`etcd key ${where}${key} ${what}`);
  };
  let meta = false;
  for (const [key, text] of [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const doc = parseJson(where + key, text) as Entry;
    const slash = key.indexOf("/");
    const kind = slash < 0 ? key : key.slice(0, slash + 1);
    const id = slash < 0 ? "" : decodeURIComponent(key.slice(slash + 1));
    if (kind === "meta") {
      if (doc?.version !== STATE_KEYS_VERSION) bad(key, `has version ${JSON.stringify(doc?.version)}, not ${STATE_KEYS_VERSION}`);
      const { version: _, ...rest } = doc;
      Object.assign(state, rest);
      meta = true;
    } else if (kind === "emperor/") {
      if (doc?.node !== id || typeof doc.maxVassals !== "number") bad(key, "does not hold this emperor");
      state.emperors.push({ ...(doc as unknown as Emperor), lastSeen: 0 });
    } else if (kind === "vassal/") {
      if (doc?.name !== id || typeof doc.sha256 !== "string" || !Array.isArray(doc.assignments)) bad(key, "does not hold this vassal");
      const why = savedRolloutProblem(doc as unknown as SavedVassal);
      if (why) bad(key, `is bad: ${why}`);
      state.vassals.push(doc as unknown as SavedVassal);
    } else if (kind === "destroying/") {
      if (!Array.isArray(doc) || !doc.every((n) => typeof n === "string")) bad(key, "does not hold a list of vassal names");
      for (const name of doc as unknown as string[]) state.destroying.push({ node: id, name });
    } else bad(key, "is not a key zeus writes under state/");
  }
  if (!meta && (state.emperors.length || state.vassals.length || state.destroying.length)) bad("meta", "is missing");
  return state;
}

/** What to write to go from the keys last written to the keys of the new state. */
export interface KeyChanges {
  puts: [string, string][];
  deletes: string[];
}

/**
 * The keys whose value changed or that are new, and the keys that went away.
 *
 * @example
 * ```ts
 * declare const written: Map<string, string>; // what the store holds now
 * const { puts, deletes } = keyChanges(written, stateKeys(core.snapshot()));
 * ```
 */
export function keyChanges(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): KeyChanges {
  const puts: [string, string][] = [];
  for (const [k, v] of after) if (before.get(k) !== v) puts.push([k, v]);
  const deletes = [...before.keys()].filter((k) => !after.has(k));
  return { puts, deletes };
}

/** Limits of one transaction: etcd's defaults are 128 operations (`--max-txn-ops`) and 1.5 MiB (`--max-request-bytes`). */
export const TXN_LIMITS = { ops: 100, bytes: 512 * 1024 };

/**
 * Splits changes into batches that each fit in one transaction. Deletes go in the last
 * batches, so that a reader between two batches sees a vassal's new assignments before
 * its old keys disappear.
 *
 * @example
 * ```ts
 * declare const written: Map<string, string>, next: Map<string, string>;
 * declare const writeGuarded: (batch: { puts: [string, string][]; deletes: string[] }) => Promise<void>;
 * for (const batch of batches(keyChanges(written, next))) await writeGuarded(batch);
 * ```
 */
export function batches(changes: KeyChanges, limits = TXN_LIMITS): KeyChanges[] {
  const out: KeyChanges[] = [];
  let cur: KeyChanges = { puts: [], deletes: [] };
  let ops = 0;
  let bytes = 0;
  const add = (size: number): void => {
    if (ops > 0 && (ops + 1 > limits.ops || bytes + size > limits.bytes)) {
      out.push(cur);
      cur = { puts: [], deletes: [] };
      ops = 0;
      bytes = 0;
    }
    ops++;
    bytes += size;
  };
  for (const p of changes.puts) {
    add(p[0].length + p[1].length + 64);
    cur.puts.push(p);
  }
  for (const d of changes.deletes) {
    add(d.length + 64);
    cur.deletes.push(d);
  }
  if (ops > 0) out.push(cur);
  return out;
}
