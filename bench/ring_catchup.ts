/**
 * Catch-up of a restarted zog node: five nodes on 127.3.0.11–15; LA is down while
 * COUNT messages (default 100 000) are streamed to the other four; then LA starts and we
 * time until its access.log holds them all. Prints the stream rate and the catch-up time.
 *
 *   bun bench/ring_catchup.ts [COUNT]
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../tests/helpers/procs.ts";
import { streamMessages } from "../tests/helpers/wire_client.ts";
import { accessContents, freeRingPorts, meshUp, startNode, status, writeRing } from "../tests/helpers/ring_setup.ts";

const count = Number(process.argv[2] ?? 100_000);
const ports = await freeRingPorts("127.3.0.11");
const ring = writeRing(tmpDir("zogbench-"), "127.3.0", { ...ports, keepalive: 5 });
const STATS = ports.statsPort;
const up = ring.names.filter((n) => n !== "LA");
try {
  const pids = up.map((n) => startNode(ring, n, STATS, ["--log-level", "warning"]).pid);
  const fourUp = async () => {
    for (const n of up) {
      const s = await status(ring, n, STATS);
      if (!s || s.links.some((l: { peer: string; state: string }) => l.peer !== "LA" && l.state !== "up")) return false;
    }
    return true;
  };
  await waitFor(fourUp, 15_000, "four nodes");
  const hosts = up.map((n) => ring.hosts[ring.names.indexOf(n)]!);
  const msgs = Array.from({ length: count }, (_, i) => {
    const content = `catchup ${String(i).padStart(7, "0")} ${"0123456789abcdefghijklmnopqrstuvwxyz".slice(0, 24 + (i % 12))}`;
    return { id: `cu-${i}`, msg: `0${content}\r\n` };
  });
  let t = performance.now();
  const r = await streamMessages(hosts, ring.clientPort, msgs, { window: 256, timeoutMs: 30_000 });
  const streamS = (performance.now() - t) / 1000;
  console.log(
    `stream: ${r.acked} acked, ${r.failed} failed in ${streamS.toFixed(2)} s = ${Math.round(r.acked / streamS)} msg/s (4 of 5 nodes up, window 256)`,
  );
  const rss = pids.map((pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024);
  console.log(`memory: ${rss.map((m) => m.toFixed(0)).join(", ")} MiB RSS on the four nodes holding their backlogs for LA`);
  t = performance.now();
  startNode(ring, "LA", STATS, ["--log-level", "warning"]);
  const log = join(ring.dir, "logs", "LA", "access.log");
  await waitFor(
    () => {
      try {
        return statSync(log).size > 0 && accessContents(ring, "LA").length >= count;
      } catch {
        return false;
      }
    },
    600_000,
    "LA to catch up",
  );
  const catchS = (performance.now() - t) / 1000;
  console.log(
    `catch-up: LA logged ${count} missed messages ${catchS.toFixed(2)} s after start = ${Math.round(count / catchS)} msg/s (process start included)`,
  );
  console.log(`mesh after catch-up: ${(await meshUp(ring, STATS)) ? "all links up" : "not all up"}`);
} finally {
  await killAll();
  removeTmpDirs();
}
