// A three-node ring (k = 1: S -> S+1 with wrapping 1, S+1 -> S+2): the takeover when S+1
// is down, and its catch-up when it returns.
import { afterAll, expect, test } from "bun:test";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { accessContents, freeRingPorts, meshUp, settled, startNode, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

test("three nodes: with B down, A's messages still reach C; B catches up; each logged once", async () => {
  const ports = await freeRingPorts("127.1.9.11");
  const ring = writeRing(tmpDir(), "127.1.9", { names: ["A", "B", "C"], ...ports, keepalive: 1 });
  const procs = new Map(ring.names.map((n) => [n, startNode(ring, n, ports.statsPort)]));
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the three-node mesh");
  const c = await WireClient.connect(ring.hosts[0]!, ring.clientPort);
  expect(await c.send("up-1", "0all three up\r\n")).toBeUndefined();
  const b = procs.get("B")!;
  process.kill(b.pid, "SIGKILL");
  await b.exited;
  const sent = Array.from({ length: 20 }, (_, i) => `B is down ${i}`);
  for (const [i, m] of sent.entries()) expect(await c.send(`down-${i}`, `0${m}\r\n`)).toBeUndefined();
  await waitFor(() => sent.every((m) => accessContents(ring, "C").includes(m)), 5000, "C to log them through the takeover");
  startNode(ring, "B", ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "B back");
  await waitFor(() => sent.every((m) => accessContents(ring, "B").includes(m)), 10_000, "B to catch up");
  await waitFor(() => settled(ring, ports.statsPort), 10_000, "every backlog empty");
  for (const n of ring.names) expect(accessContents(ring, n).sort()).toEqual(["all three up", ...sent].sort());
  c.close();
}, 40_000);
