/**
 * The etcd of bench/zeus_scale.ts: one private member or a cluster of several on loopback,
 * what it did (puts, transactions, its CPU), its raft leader (found, moved, killed), and
 * vassals written into it for `--vassals etcd://`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { type Proc, waitFor } from "../../tests/helpers/procs.ts";
import { etcdMissing, startEtcd, startEtcdCluster } from "../../tests/e2e/_etcd.ts";

/** The etcd members the bench runs. */
export interface BenchEtcd {
  /** "127.0.0.1:PORT" of each member. */
  endpoints: string[];
  procs: Proc[];
  /** kill -9 of member `i`. */
  kill(i: number): Promise<void>;
}

/**
 * Starts `members` etcd members (1: a single one).
 *
 * @throws {Error} when etcd is not installed
 * @example
 * ```ts
 * const etcd = await startBenchEtcd(3);
 * ```
 */
export async function startBenchEtcd(members: number): Promise<BenchEtcd> {
  const missing = etcdMissing();
  if (missing) throw new Error(missing);
  if (members > 1) return startEtcdCluster(members);
  const one = await startEtcd();
  return {
    endpoints: [one.endpoint],
    procs: [one.proc],
    kill: async () => {
      process.kill(one.proc.pid, "SIGKILL");
      await one.proc.exited;
    },
  };
}

/** CPU seconds (user + system) of the live members. */
export function etcdCpuSeconds(etcd: BenchEtcd): number {
  let sum = 0;
  for (const p of etcd.procs) {
    try {
      const fields = readFileSync(`/proc/${p.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      sum += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // A member killed by the bench: its CPU is no longer counted.
    }
  }
  return sum;
}

/** Keys put and transactions, as member `endpoint` counts them (its /metrics). */
export async function etcdWrites(endpoint: string): Promise<{ puts: number; txns: number }> {
  const text = await (await fetch(`http://${endpoint}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return { puts: metric("etcd_mvcc_put_total"), txns: metric("etcd_mvcc_txn_total") };
}

/** How many keys member `endpoint` holds under `prefix` now. */
export async function etcdKeyCount(endpoint: string, prefix: string): Promise<number> {
  const b64 = (t: string) => Buffer.from(t).toString("base64");
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const doc = await post(endpoint, "/v3/kv/range", { key: b64(prefix), range_end: b64(end), count_only: true });
  return Number(doc.count ?? 0);
}

async function post(endpoint: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${endpoint}${path}`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  const doc = (await res.json()) as Record<string, unknown>;
  if (!res.ok || doc.error) throw new Error(`etcd ${endpoint}${path}: HTTP ${res.status} ${JSON.stringify(doc)}`);
  return doc;
}

/**
 * The index of the member that is raft leader now, and the member ids.
 *
 * @throws {Error} when no live member names a leader
 */
export async function raftLeader(etcd: BenchEtcd, dead: ReadonlySet<number> = new Set()): Promise<{ leader: number; ids: string[] }> {
  const ids: string[] = [];
  let leaderId = "";
  for (let i = 0; i < etcd.endpoints.length; i++) {
    if (dead.has(i)) continue;
    const s = await post(etcd.endpoints[i]!, "/v3/maintenance/status", {});
    ids[i] = String((s.header as Record<string, unknown>).member_id);
    leaderId ||= String(s.leader ?? "");
  }
  const leader = ids.indexOf(leaderId);
  if (leader < 0) throw new Error(`no live etcd member is the raft leader (${leaderId || "none named"})`);
  return { leader, ids };
}

/**
 * Moves raft leadership from the leader to the next live member; returns the new leader's index.
 *
 * @throws {Error} when etcd refuses the move
 */
export async function moveRaftLeader(etcd: BenchEtcd, dead: ReadonlySet<number> = new Set()): Promise<number> {
  const { leader, ids } = await raftLeader(etcd, dead);
  let to = (leader + 1) % ids.length;
  while (dead.has(to)) to = (to + 1) % ids.length;
  // The old leader may drop the connection as it steps down: whether the move happened is read back.
  await post(etcd.endpoints[leader]!, "/v3/maintenance/transfer-leadership", { targetID: ids[to] }).catch(() => undefined);
  await waitFor(async () => (await raftLeader(etcd, dead).catch(() => ({ leader }))).leader !== leader, 10_000, "the raft leader moved");
  return (await raftLeader(etcd, dead)).leader;
}

/**
 * Writes `n` vassal configs under `prefix` (keys `prefix` + name), 100 per transaction.
 *
 * @example
 * ```ts
 * await putVassals("127.0.0.1:2379", "/zeus-scale-vassals/", ["a.toml"], 'command = "x"');
 * ```
 */
export async function putVassals(endpoint: string, prefix: string, names: string[], body: string): Promise<void> {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const value = b64(body);
  for (let i = 0; i < names.length; i += 100) {
    const success = names.slice(i, i + 100).map((n) => ({ request_put: { key: b64(prefix + n), value } }));
    // A raft leader moved meanwhile drops proposals ("raft proposal dropped"): written again.
    for (let attempt = 0; ; attempt++) {
      try {
        await post(endpoint, "/v3/kv/txn", { success });
        break;
      } catch (e) {
        if (attempt >= 20) throw e;
        await Bun.sleep(100); // a retry's pause, not a wait for a condition
      }
    }
  }
}

/** What zeus showed while an etcd fault was observed. */
export interface FaultSeen {
  /** Samples (about 10 a second) in which zeus did not say it leads. */
  notLeading: number;
  samples: number;
  /** Seconds after the fault of the last sample whose election reported an etcd error, and that error. */
  erroredUntilS?: number;
  lastError?: string;
  /** Seconds after the fault at which the state in etcd (as zeus follows it) first moved on. */
  firstWriteS?: number;
}

/**
 * Samples zeus's `/status?summary` for `forMs` after a fault: whether it kept leading, what
 * its election reported, when the state it follows in etcd moved on again.
 *
 * @example
 * ```ts
 * declare const status: () => Promise<ZeusStatus | undefined>;
 * const seen = await observeFault(status, 10_000);
 * ```
 */
export async function observeFault(
  status: () => Promise<{ ha?: { role: string; last_error?: string; state?: { revision: number } } } | undefined>,
  forMs: number,
): Promise<FaultSeen> {
  const t0 = performance.now();
  const seen: FaultSeen = { notLeading: 0, samples: 0 };
  const rev0 = (await status())?.ha?.state?.revision ?? 0;
  while (performance.now() - t0 < forMs) {
    const s = await status();
    const at = (performance.now() - t0) / 1000;
    seen.samples++;
    if (s?.ha?.role !== "leader") seen.notLeading++;
    if (s?.ha?.last_error) Object.assign(seen, { erroredUntilS: at, lastError: s.ha.last_error });
    if ((s?.ha?.state?.revision ?? 0) > rev0) seen.firstWriteS ??= at;
    await Bun.sleep(100); // a sampling period, not a wait for a condition
  }
  return seen;
}

/** One line for a fault's {@link FaultSeen}. */
export function faultLine(seen: FaultSeen): string {
  const s = (x?: number) => (x === undefined ? "never" : `${x.toFixed(2)} s`);
  return (
    `zeus not leading in ${seen.notLeading} of ${seen.samples} samples; its election reported etcd errors until ${s(seen.erroredUntilS)}` +
    `${seen.lastError ? ` (${seen.lastError})` : ""}; the state in etcd moved on after ${s(seen.firstWriteS)}`
  );
}
