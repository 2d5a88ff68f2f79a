import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { killAll, type Proc, removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { WireClient, streamMessages } from "../helpers/wire_client.ts";
import { accessContents, meshUp, settled, startNode, startTestRing, status, type TestRing } from "../helpers/ring_setup.ts";

let STATS = 0;
let ring: TestRing;
let procs = new Map<string, Proc>();

beforeAll(async () => {
  ({ ring, stats: STATS, procs } = await startTestRing("127.1.3"));
});

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const host = (name: string) => ring.hosts[ring.names.indexOf(name)]!;

function messages(tag: string, n: number): { id: string; msg: string; content: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const content = `${tag} ${String(i).padStart(5, "0")} ${"abcdefghijklmnopqrstuvwxyz".slice(0, 10 + (i % 16))}`;
    return { id: `${tag}-${i}`, msg: `0${content}\r\n`, content };
  });
}

/** Waits until every node logged every content of `tag`, then checks each exactly once. */
async function expectSettled(tag: string, expected: string[]): Promise<void> {
  const mine = (n: string) => accessContents(ring, n).filter((c) => c.startsWith(`${tag} `));
  for (const n of ring.names)
    await waitFor(
      () => mine(n).length >= expected.length,
      30_000,
      `${n} to hold all ${expected.length} ${tag} messages (has ${mine(n).length})`,
    );
  await waitFor(() => settled(ring, STATS), 20_000, "every backlog empty");
  const want = [...expected].sort();
  for (const n of ring.names) expect(mine(n).sort()).toEqual(want);
}

describe("the ring loses nothing", () => {
  test("a stream over five nodes survives kill -9 + restart of one node and SIGSTOP of another", async () => {
    const listener = await WireClient.connect(host("MV"), ring.clientPort);
    expect(await listener.subscribe("chaos ")).toBeUndefined();
    const msgs = messages("chaos", 4000);
    // PA is killed at 800 acks and restarted at 1400; G hangs from 2000 acks until MV drops it.
    let killed: Promise<number> | undefined;
    let restarted = false;
    let stopped = 0;
    let resumed = false;
    const resume = () => {
      if (stopped && !resumed) process.kill(stopped, "SIGCONT");
      resumed = true;
    };
    const result = await streamMessages(ring.hosts, ring.clientPort, msgs, {
      window: 32,
      timeoutMs: 2500,
      onProgress: (acked) => {
        if (!killed && acked >= 800) {
          process.kill(procs.get("PA")!.pid, "SIGKILL");
          killed = procs.get("PA")!.exited;
        }
        if (killed && !restarted && acked >= 1400) {
          restarted = true;
          killed.then(() => procs.set("PA", startNode(ring, "PA", STATS)));
        }
        if (!stopped && acked >= 2000) {
          stopped = procs.get("G")!.pid;
          process.kill(stopped, "SIGSTOP");
          waitFor(
            async () => (await status(ring, "MV", STATS))?.links.some((l: any) => l.peer === "G" && l.state !== "up"),
            20_000,
            "MV to drop hung G",
          ).finally(resume);
        }
      },
    }).finally(resume);
    await killed;
    console.log("chaos stream:", result);
    expect(restarted && resumed).toBe(true);
    expect(result.failed).toBe(0);
    expect(result.acked).toBe(msgs.length);
    await waitFor(() => meshUp(ring, STATS), 20_000, "the mesh to heal");
    await expectSettled(
      "chaos",
      msgs.map((m) => m.content),
    );
    await waitFor(() => listener.events.length >= msgs.length, 10_000, "the listener's events");
    expect(listener.events.map((e) => e.id).sort()).toEqual(msgs.map((m) => m.id).sort());
    listener.close();
  }, 180_000);

  test("kill -9 of the node the client talks to: the client retries elsewhere, no loss, no duplicate", async () => {
    const msgs = messages("sticky", 2000);
    // LA, the node the client sticks to, is killed at 700 acks and restarted at 1300.
    let killed: Promise<number> | undefined;
    let restarted = false;
    const order = ["LA", "S", "MV", "PA", "G"].map(host);
    const result = await streamMessages(order, ring.clientPort, msgs, {
      window: 16,
      timeoutMs: 2500,
      sticky: true,
      onProgress: (acked) => {
        if (!killed && acked >= 700) {
          process.kill(procs.get("LA")!.pid, "SIGKILL");
          killed = procs.get("LA")!.exited;
        }
        if (killed && !restarted && acked >= 1300) {
          restarted = true;
          killed.then(() => procs.set("LA", startNode(ring, "LA", STATS)));
        }
      },
    });
    await killed;
    expect(restarted).toBe(true);
    console.log("sticky stream:", result);
    expect(result.failed).toBe(0);
    expect(result.retries).toBeGreaterThan(0);
    await waitFor(() => meshUp(ring, STATS), 20_000, "the mesh to heal");
    await expectSettled(
      "sticky",
      msgs.map((m) => m.content),
    );
  }, 180_000);
});
