// sprog when a node is down or dies mid-stream: nothing lost, nothing logged twice.
import { afterAll, expect, test } from "bun:test";
import { bin, killAll, removeTmpDirs, run, start, waitFor } from "../helpers/procs.ts";
import { lineCounts, loggedContents, startRing, waitForLogs } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

function expectOnceEach(perLog: string[][], count: number): void {
  const first = new Set(perLog[0]);
  for (const lines of perLog) {
    expect(new Set(lines).size).toBe(count);
    expect(lines).toHaveLength(count);
    expect(new Set(lines)).toEqual(first);
  }
}

test("a server that is down is skipped (random and round robin)", async () => {
  const ring = await startRing("127.2.2");
  await ring.killNode(1);
  const live = ring.nodes.filter((_, i) => i !== 1).map((n) => n.accessLog);
  for (const mode of [[], ["-r"]]) {
    const before = lineCounts(live);
    const r = await run(bin("sprog"), ["--config", ring.config, ...mode, "-i", "0", "--window", "4", "-n", "200"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("200 sent, 200 acked, 0 failed");
    expectOnceEach(await waitForLogs(ring, live, before, 200), 200);
  }
  await killAll();
}, 90_000);

test("a node killed mid-stream loses and duplicates nothing", async () => {
  const ring = await startRing("127.2.3");
  const victim = 2;
  const sprog = start(bin("sprog"), ["--config", ring.config, "-r", "-i", "0.005", "--window", "8", "-n", "600"]);
  await waitFor(() => loggedContents(ring.nodes[victim]!.accessLog).length >= 150, 30_000, "150 messages through the ring");
  expect(sprog.child.exitCode).toBeNull();
  await ring.killNode(victim);
  expect(await sprog.exited).toBe(0);
  expect(sprog.stdout()).toMatch(/^600 sent, 600 acked, 0 failed/);
  const live = ring.nodes.filter((_, i) => i !== victim).map((n) => n.accessLog);
  const perLog = await waitForLogs(ring, live, [0, 0, 0, 0], 600);
  expectOnceEach(perLog, 600);

  // Back up, the killed node catches up on what it missed, still once each.
  await ring.startNode(victim);
  const [caughtUp] = await waitForLogs(ring, [ring.nodes[victim]!.accessLog], [0], 600);
  expect(new Set(caughtUp)).toEqual(new Set(perLog[0]));
  expect(caughtUp).toHaveLength(600);
  await killAll();
}, 90_000);

test("a node that stops answering (SIGSTOP) is dropped and its messages retried elsewhere", async () => {
  const ring = await startRing("127.2.8");
  const victim = 2;
  const sprog = start(bin("sprog"), ["--config", ring.config, "-r", "-i", "0.005", "--window", "8", "-n", "400", "--timeout", "6"]);
  await waitFor(() => loggedContents(ring.nodes[victim]!.accessLog).length >= 100, 30_000, "100 messages through the ring");
  const pid = ring.nodes[victim]!.proc!.pid;
  process.kill(pid, "SIGSTOP");
  try {
    expect(await sprog.exited).toBe(0);
    expect(sprog.stdout()).toMatch(/^400 sent, 400 acked, 0 failed, [1-9]\d* retried/);
    const live = ring.nodes.filter((_, i) => i !== victim).map((n) => n.accessLog);
    expectOnceEach(await waitForLogs(ring, live, [0, 0, 0, 0], 400, 45_000), 400);
  } finally {
    process.kill(pid, "SIGCONT");
  }
  const [caughtUp] = await waitForLogs(ring, [ring.nodes[victim]!.accessLog], [0], 400);
  expect(new Set(caughtUp)).toHaveProperty("size", 400);
  await killAll();
}, 120_000);
