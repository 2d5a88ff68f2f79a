/**
 * Listeners and the store: (1) what one store append costs per message; (2) the replay
 * rate of `sprog listen --since all` over STORED messages (default 1 000 000) held by a
 * node; (3) the ring's throughput (three nodes, sprog -i 0 --window 64) with no listener,
 * then with a live listener, a durable one and a group of two members on every node.
 *
 *   bun bench/listen.ts [STORED] [SENT]
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { RingStore } from "../lib/ring/listen/store.ts";
import { bin, killAll, type Proc, removeTmpDirs, run, start, tmpDir, waitFor } from "../tests/helpers/procs.ts";
import { freeRingPorts, meshUp, startNode, status, writeRing } from "../tests/helpers/ring_setup.ts";

const stored = Number(process.argv[2] ?? 1_000_000);
const sent = Number(process.argv[3] ?? 30_000);
const content = (i: number) => `bench ${String(i).padStart(7, "0")} ${"0123456789abcdefghijklmnopqrstuvwxyz".slice(0, 24 + (i % 12))}`;

try {
  // (1) and the store the replay reads: node A's, filled directly.
  const ports = await freeRingPorts("127.3.9.11");
  const ring = writeRing(tmpDir("zogbench-"), "127.3.9", { names: ["A", "B", "C"], ...ports, keepalive: 5, extra: 'retain = "30d"' });
  mkdirSync(join(ring.dir, "logs", "A"), { recursive: true });
  mkdirSync(join(ring.dir, "state", "A"), { recursive: true });
  const store = RingStore.open(join(ring.dir, "state", "A"), { durable: true });
  const t0 = performance.now();
  for (let i = 0; i < stored; i += 64) {
    const rows = Array.from({ length: Math.min(64, stored - i) }, (_, k) => ({ id: `b-${i + k}`, origin: "B", content: content(i + k) }));
    store.append(rows);
  }
  const appendS = (performance.now() - t0) / 1000;
  const mb = store.usedBytes() / 1e6;
  store.close();
  console.log(
    `store append: ${stored} messages in batches of 64 in ${appendS.toFixed(2)} s = ${((appendS / stored) * 1e6).toFixed(2)} µs/message (${mb.toFixed(0)} MB of messages)`,
  );

  // (2) Replay: node A alone (its peers down) answering one sprog listen --since all.
  // A store filled directly has no journal beside it: the node rebuilds one from it.
  const a = startNode(ring, "A", ports.statsPort, ["--log-level", "warning", "--rebuild-journal"]);
  await waitFor(() => status(ring, "A", ports.statsPort), 15_000, "node A");
  const t1 = performance.now();
  const l = start(bin("sprog"), ["listen", "--server", `${ring.hosts[0]}:${ring.clientPort}`, "--since", "all"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  await waitFor(() => l.stderr().includes("replay done"), 600_000, "the replay");
  const replayS = (performance.now() - t1) / 1000;
  console.log(
    `replay: sprog listen --since all printed ${stored} stored messages in ${replayS.toFixed(2)} s = ${Math.round(stored / replayS)} msg/s (output to /dev/null)`,
  );
  l.child.kill("SIGTERM");
  await l.exited;
  a.child.kill("SIGTERM");
  await a.exited;

  // (3) Ring throughput, without and with listeners on every node.
  for (const n of ring.names) startNode(ring, n, ports.statsPort, ["--log-level", "warning"]);
  await waitFor(() => meshUp(ring, ports.statsPort), 15_000, "the mesh");
  const rate = async (label: string) => {
    const r = await run(bin("sprog"), ["--config", ring.config, "-r", "-i", "0", "--window", "64", "-n", String(sent)]);
    console.log(`ring, ${label}: ${r.stdout.trim()}`);
  };
  await rate("no listener");
  const listeners: Proc[] = [];
  for (const host of ring.hosts) {
    const server = `${host}:${ring.clientPort}`;
    for (const args of [[], ["--durable", "d"], ["--group", "g"], ["--group", "g"]]) {
      listeners.push(start(bin("sprog"), ["listen", "--server", server, ...args], { stdio: ["ignore", "ignore", "pipe"] }));
    }
  }
  await waitFor(
    async () => {
      for (const n of ring.names) if ((await status(ring, n, ports.statsPort))?.listeners !== 4) return false;
      return true;
    },
    15_000,
    "four listeners per node",
  );
  await rate("4 listeners per node (live, durable, group of 2)");
} finally {
  await killAll();
  removeTmpDirs();
}
