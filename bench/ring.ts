/**
 * Ring benchmark (`make bench`): replicated throughput and ack latency of a five-node zog
 * ring for each fsync policy (and, for the first, through the `dist/sprog` command line),
 * beside the same load through nats-server. Prints figures;
 * it does not pass or fail. Scale with BENCH_N (messages, default 20000), BENCH_WINDOW
 * (in flight, default 64) and BENCH_FSYNC (policies, default "batch,always,never").
 */
import { existsSync } from "node:fs";
import { printRows, type Row } from "./ring_lib/load.ts";
import { benchNats, NATS_SERVER } from "./ring_lib/nats_bench.ts";
import { benchContent, benchZog } from "./ring_lib/zog_bench.ts";

const n = Number(process.env.BENCH_N ?? 20_000);
const window = Number(process.env.BENCH_WINDOW ?? 64);
const policies = (process.env.BENCH_FSYNC ?? "batch,always,never").split(",").filter(Boolean);

console.log(`ring: ${n} messages of 64 bytes, ${window} in flight, round robin over 5 nodes on 127.4.0.11-15`);
console.log(
  "acked = messages acknowledged per second; replicated = until all five copies are stored (zog: all five access.logs; nats core: all five subscribers)",
);
const rows: Row[] = [];
for (const [i, fsync] of policies.entries()) {
  rows.push(...(await benchZog(`127.4.${i}`, fsync, n, window, i === 0)));
  console.log(`  done: zog fsync=${fsync}`);
}
if (existsSync(NATS_SERVER)) {
  rows.push(...(await benchNats("127.4.10.1", 42220, n, window, Buffer.from(`0${benchContent(0)}\r\n`))));
} else {
  console.log(`  (${NATS_SERVER} not installed: no NATS comparison; apt-get install nats-server)`);
}
printRows(`results (2 shared cores: figures are noisy)`, rows);
process.exit(0);
