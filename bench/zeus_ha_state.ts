/**
 * The etcd state's cost by fleet size (prints figures, passes or fails nothing): for 1000
 * and 10000 vassals on 10 emperors, in a real etcd on loopback, the per-key layout's first
 * write, the write of one change (one vassal's copy moved), and the takeover read (every
 * key back, as a new leader does); beside the single key of earlier versions (the whole
 * state rewritten on every change, refused by etcd past its 1.5 MiB request limit). Then a
 * real zeus taking over a state of 10000 vassals: from its start to leading with them
 * restored. Skipped when etcd is not installed.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EtcdClient } from "../lib/etcd/client.ts";
import { grantResult, leaseGrantRequest, putRequest, revisionOf, txnRequest } from "../lib/etcd/requests.ts";
import { etcdStore } from "../lib/zeus/etcd_state_store.ts";
import type { ZeusState } from "../lib/zeus/state_file.ts";
import { type EtcdProc, etcdMissing, startEtcd } from "../tests/e2e/_etcd.ts";
import { sleeper, startZeus, stopAll } from "../tests/e2e/_zeus.ts";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../tests/helpers/procs.ts";
import type { HaStatus } from "../lib/zeus/ha.ts";

function fleet(n: number): ZeusState {
  const emperors = Array.from({ length: 10 }, (_, i) => ({ node: `emperor-${i}`, maxVassals: n, lastSeen: 1 }));
  const vassals = Array.from({ length: n }, (_, i) => ({
    name: `vassal-${String(i).padStart(5, "0")}.toml`,
    sha256: "ab".repeat(32),
    copies: 1,
    assignments: [{ node: `emperor-${i % 10}`, pid: 100000 + i, restarts: 0 }],
  }));
  return { version: 1, savedAt: new Date().toISOString(), emperors, vassals, destroying: [] };
}

/** Takes `${prefix}/leader` as zeus' election does; returns the revision that guards writes. */
async function lead(etcd: EtcdClient, prefix: string): Promise<number> {
  const lease = grantResult(await etcd.call(leaseGrantRequest(600))).id;
  const key = `${prefix}/leader`;
  const res = await etcd.call(txnRequest([{ key, createRevision: 0 }], [{ put: key, value: '{"id":"bench","zeus":"x"}', lease }]));
  return revisionOf(res);
}

const ms = (t0: number) => performance.now() - t0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function storeFigures(etcdProc: EtcdProc, n: number): Promise<void> {
  const etcd = new EtcdClient({ endpoints: [etcdProc.endpoint], timeoutMs: 30_000 });
  const prefix = `/bench${n}`;
  const rev = await lead(etcd, prefix);
  const store = etcdStore(etcd, prefix, () => rev);
  await store.load();
  const state = fleet(n);
  let t0 = performance.now();
  await store.save(state);
  const first = ms(t0);
  const firstTxns = store.lastSave!.txns;
  const one: number[] = [];
  for (let i = 0; i < 100; i++) {
    state.vassals[(i * 7919) % n]!.assignments[0]!.pid++;
    t0 = performance.now();
    await store.save(state);
    one.push(ms(t0));
  }
  const puts = store.lastSave!.puts;
  const reader = etcdStore(etcd, prefix, () => rev);
  t0 = performance.now();
  const back = await reader.load();
  const read = ms(t0);
  if (back?.vassals.length !== n) throw new Error(`read back ${back?.vassals.length} vassals, not ${n}`);
  console.log(
    `${n} vassals, one key each (${reader.keyCount()} keys): first write ${first.toFixed(0)} ms in ${firstTxns} txns; ` +
      `one change ${median(one).toFixed(1)} ms median (${puts} key written); takeover read ${read.toFixed(0)} ms`,
  );
  const single = JSON.stringify(state);
  const singles: number[] = [];
  let refused = "";
  for (let i = 0; i < 20 && !refused; i++) {
    t0 = performance.now();
    try {
      await etcd.call(putRequest(`/single${n}/state`, single));
      singles.push(ms(t0));
    } catch (e) {
      refused = (e as Error).message;
    }
  }
  console.log(
    `  single key of earlier versions (${(single.length / 1024).toFixed(0)} KiB, rewritten on every change): ` +
      (refused ? `refused: ${refused}` : `one change ${median(singles).toFixed(1)} ms median`),
  );
}

/** A real zeus started on a saved state of `n` vassals whose emperors are gone: start to leading with them restored. */
async function zeusTakeover(etcdProc: EtcdProc, n: number): Promise<void> {
  const etcd = new EtcdClient({ endpoints: [etcdProc.endpoint], timeoutMs: 30_000 });
  const prefix = `/takeover${n}`;
  // Written as a leader whose lease then goes away.
  const lease = grantResult(await etcd.call(leaseGrantRequest(600))).id;
  const key = `${prefix}/leader`;
  const rev = revisionOf(
    await etcd.call(txnRequest([{ key, createRevision: 0 }], [{ put: key, value: '{"id":"gone","zeus":"x"}', lease }])),
  );
  const store = etcdStore(etcd, prefix, () => rev);
  await store.load();
  await store.save(fleet(n));
  await etcd.call({ path: "/v3/lease/revoke", body: { ID: lease } });
  const dir = tmpDir("ha-bench-10k-");
  for (const v of fleet(n).vassals) writeFileSync(join(dir, v.name), sleeper());
  const t0 = performance.now();
  const z = await startZeus({ dir, extra: ["--state", `etcd://${etcdProc.endpoint}${prefix}`] });
  await waitFor(
    async () => {
      const s = (await z.status()) as { ha?: HaStatus; vassals: unknown[] } | undefined;
      return s?.ha?.role === "leader" && s.vassals.length === n && z.proc.stderr().includes(`restored ${n} vassals on 10 emperors`);
    },
    120_000,
    `leading with ${n} vassals restored`,
  );
  console.log(`a zeus taking over ${n} vassals from etcd: start to leading with all restored ${(ms(t0) / 1000).toFixed(2)} s`);
  await stopAll();
}

async function main(): Promise<void> {
  const missing = etcdMissing();
  if (missing) return console.log(`bench/zeus_ha_state.ts: ${missing}`);
  try {
    const etcd = await startEtcd();
    for (const n of [1000, 10000]) await storeFigures(etcd, n);
    await zeusTakeover(etcd, 10000);
    console.log("(2 shared cores, other suites running: figures are noisy)");
  } finally {
    await stopAll();
    await killAll();
    removeTmpDirs();
  }
}

await main();
