/**
 * The de-dup memory of a node (`IdSet`, lib/ring/dedup.ts): its typed arrays' size holding
 * 100 000 and 500 000 (its capacity) clients' ids (`<16 hex>-<seq>`), and the CPU of an
 * add of a new id once it holds 100 000 (what a node does per message). Alternating runs
 * of a fresh set; prints figures, passes or fails nothing.
 *
 *   bun bench/dedup.ts [RUNS]
 */
import { heapStats } from "bun:jsc";
import { loadavg } from "node:os";
import { IdSet } from "../lib/ring/dedup.ts";

const runs = Number(process.argv[2] ?? 5);
const ids = Array.from({ length: 600_000 }, (_, i) => `c5f01d2e7b3a449a-${i + 1}`);

/** MiB of typed arrays (memory outside JavaScriptCore's cells) a set of the first `n` ids holds. */
function mib(n: number): number {
  Bun.gc(true);
  const before = heapStats().extraMemorySize;
  const set = new IdSet();
  for (let i = 0; i < n; i++) set.add(ids[i]!);
  Bun.gc(true);
  const held = heapStats().extraMemorySize - before;
  // `set` is used after the collection, so it was alive through it.
  return set.size > 0 ? held / 1048576 : 0;
}

/** ns of CPU per add of a new id to a set of capacity 100 000, once full. */
function addNs(): number {
  const set = new IdSet(100_000);
  for (let i = 0; i < 100_000; i++) set.add(ids[i]!);
  const c0 = process.cpuUsage();
  for (let i = 100_000; i < ids.length; i++) set.add(ids[i]!);
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / (ids.length - 100_000);
}

const adds: number[] = [];
for (let r = 0; r < runs; r++) adds.push(addNs());
const f = (xs: number[], d: number) => xs.map((x) => x.toFixed(d)).join(", ");
console.log(
  `de-dup memory (load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}):`,
);
console.log(`  typed arrays holding 100 000 ids ${mib(100_000).toFixed(2)} MiB, 500 000 ids ${mib(500_000).toFixed(2)} MiB`);
console.log(`  an add of a new id to a full set of 100 000: ${f(adds.slice(1), 0)} ns (the first run warms the JIT)`);
