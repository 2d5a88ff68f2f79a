import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { killAll, type Proc, removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { accessContents, meshUp, startNode, startTestRing, status, type TestRing } from "../helpers/ring_setup.ts";

let STATS = 0;
let ring: TestRing;
let procs = new Map<string, Proc>();

beforeAll(async () => {
  ({ ring, stats: STATS, procs } = await startTestRing("127.1.2"));
});

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const host = (name: string) => ring.hosts[ring.names.indexOf(name)]!;
const linkTo = async (from: string, to: string) => (await status(ring, from, STATS))?.links.find((l: { peer: string }) => l.peer === to);

describe("links with keepalive = 1", () => {
  test("idle links exchange keepAlive and ack", async () => {
    const first = (await linkTo("MV", "PA")).last_keepalive_ack;
    await waitFor(async () => (await linkTo("MV", "PA")).last_keepalive_ack > first, 3000, "a newer keepalive ack");
    await waitFor(async () => (await linkTo("S", "MV")).last_keepalive_ack > first, 3000, "a newer keepalive ack on S");
  }, 20_000);

  test("a node killed with SIGKILL: clients are served meanwhile, it rejoins the mesh and gets what it missed", async () => {
    process.kill(procs.get("LA")!.pid, "SIGKILL");
    await procs.get("LA")!.exited;
    await waitFor(async () => (await linkTo("MV", "LA"))?.state === "down", 5000, "MV to see LA down");
    // Sent through G too: G forwards to LA with wrapping 2, so MV gets them only if G
    // takes over LA's duty.
    const cs = [await WireClient.connect(host("MV"), ring.clientPort), await WireClient.connect(host("G"), ring.clientPort)];
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      sent.push(`while LA is down ${i}`);
      expect(await cs[i % 2]!.send(`down-${i}`, `0while LA is down ${i}\r\n`)).toBeUndefined();
    }
    for (const n of ["MV", "PA", "G", "S"]) {
      await waitFor(() => sent.every((m) => accessContents(ring, n).includes(m)), 5000, `${n} to log all while LA is down`);
    }
    procs.set("LA", startNode(ring, "LA", STATS));
    await waitFor(() => meshUp(ring, STATS), 5000, "LA back in the mesh");
    await waitFor(() => sent.every((m) => accessContents(ring, "LA").includes(m)), 10_000, "LA to catch up");
    for (const n of ring.names) {
      const got = accessContents(ring, n).filter((m) => m.startsWith("while LA is down"));
      expect(got.length).toBe(sent.length);
    }
    for (const c of cs) c.close();
  }, 40_000);

  test("a hung node (SIGSTOP) is seen down after 2 x keepalive and rejoins after SIGCONT", async () => {
    const g = procs.get("G")!;
    process.kill(g.pid, "SIGSTOP");
    try {
      await waitFor(async () => (await linkTo("PA", "G"))?.state === "down", 6000, "PA to see G down");
      const c = await WireClient.connect(host("PA"), ring.clientPort);
      expect(await c.send("hung-1", "0sent while G hangs\r\n")).toBeUndefined();
      for (const n of ["MV", "PA", "LA", "S"]) await waitFor(() => accessContents(ring, n).includes("sent while G hangs"), 5000, n);
      c.close();
    } finally {
      process.kill(g.pid, "SIGCONT");
    }
    await waitFor(() => meshUp(ring, STATS), 10_000, "G back in the mesh");
    await waitFor(() => accessContents(ring, "G").includes("sent while G hangs"), 10_000, "G to catch up");
    for (const n of ring.names) expect(accessContents(ring, n).filter((m) => m === "sent while G hangs").length).toBe(1);
  }, 40_000);

  test("SIGTERM stops a node with exit code 0", async () => {
    const s = procs.get("S")!;
    process.kill(s.pid, "SIGTERM");
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toMatch(/stopping/);
  }, 10_000);
});
