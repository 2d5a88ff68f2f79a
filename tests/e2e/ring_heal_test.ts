// Slow healing at keepalive = 300 (issue 27): links must find a dead or healed peer within
// seconds whatever the keepalive, which is a ceiling on keep-alive spacing, not a floor.
// Node G is stopped (SIGSTOP: a peer cut off, its connections still open) in a five-node
// ring with keepalive = 300: the other four must declare it dead and take over its
// forwarding duty within seconds (with links judged on 2 × keepalive they waited 10 min),
// and once G runs again it must have everything within seconds.
import { afterAll, describe, expect, test } from "bun:test";
import { killAll, type Proc, removeTmpDirs, tmpDir, waitFor, waitUp } from "../helpers/procs.ts";
import { streamMessages } from "../helpers/wire_client.ts";
import { accessContents, freeRingPorts, meshUp, settled, startNode, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

function messages(tag: string, n: number): { id: string; msg: string; content: string }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${tag}-${i}`, msg: `0${tag} ${i}\r\n`, content: `${tag} ${i}` }));
}

describe("keepalive = 300", () => {
  test("a stopped peer is found dead within seconds, and has everything within seconds once it runs again", async () => {
    const ports = await freeRingPorts("127.5.27.11");
    const ring = writeRing(tmpDir(), "127.5.27", { ...ports, keepalive: 300 });
    const procs = new Map<string, Proc>(ring.names.map((n) => [n, startNode(ring, n, ports.statsPort)] as const));
    await waitUp([...procs.values()], () => meshUp(ring, ports.statsPort), 15_000, "the five-node mesh");
    const g = procs.get("G")!;
    const others = ring.names.filter((n) => n !== "G");
    const hosts = others.map((n) => ring.hosts[ring.names.indexOf(n)]!);

    process.kill(g.pid, "SIGSTOP");
    const during = messages("during", 200);
    const sent = await streamMessages(hosts, ring.clientPort, during, { window: 8, timeoutMs: 3000 });
    expect(sent.failed).toBe(0);
    // Every message G should have forwarded reaches the other four by takeover: G's links
    // must be declared dead first (within 2 × 2 s), whatever keepalive says.
    const t0 = performance.now();
    for (const n of others)
      await waitFor(() => accessContents(ring, n).length >= during.length, 12_000, `${n} to log ${during.length} while G is stopped`);
    const deadAfter = (performance.now() - t0) / 1000;

    process.kill(g.pid, "SIGCONT");
    const t1 = performance.now();
    await waitFor(
      () => accessContents(ring, "G").length >= during.length,
      12_000,
      `G to log the ${during.length} sent while it was stopped`,
    );
    const healedAfter = (performance.now() - t1) / 1000;
    console.log(
      `keepalive 300: the other four had every message ${deadAfter.toFixed(1)} s after the sends; G ${healedAfter.toFixed(1)} s after SIGCONT`,
    );
    await waitFor(() => meshUp(ring, ports.statsPort), 12_000, "the mesh whole again");
    await waitFor(() => settled(ring, ports.statsPort), 12_000, "every backlog empty");
    const want = during.map((m) => m.content).sort();
    for (const n of ring.names) expect({ n, got: accessContents(ring, n).sort() }).toEqual({ n, got: want });
    for (const p of procs.values()) process.kill(p.pid, "SIGTERM");
    for (const p of procs.values()) expect(await p.exited).toBe(0);
  }, 90_000);
});
