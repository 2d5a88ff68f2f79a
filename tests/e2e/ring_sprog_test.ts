// The ring's no-loss guarantees driven by the real sprog client and sprog listen.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { bin, killAll, type Proc, removeTmpDirs, start, waitFor } from "../helpers/procs.ts";
import { accessContents, meshUp, settled, startNode, startTestRing, status, type TestRing } from "../helpers/ring_setup.ts";

let STATS = 0;
let ring: TestRing;
let procs = new Map<string, Proc>();

beforeAll(async () => {
  ({ ring, stats: STATS, procs } = await startTestRing("127.1.6"));
});

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const COUNT = 3000;

/** Waits for `cond` while `sprog` runs; a sprog that ended first fails the test with its output. */
async function waitForOrExit(sprog: Proc, cond: () => boolean, what: string): Promise<void> {
  try {
    await waitFor(() => cond() || sprog.child.exitCode !== null, 60_000, what);
  } catch (e) {
    throw new Error(`${(e as Error).message}; sprog so far: ${sprog.stdout()} ${sprog.stderr()}`);
  }
  if (!cond()) throw new Error(`sprog ended (${sprog.child.exitCode}) before ${what}: ${sprog.stdout()} ${sprog.stderr()}`);
}

test("sprog -r --window over five nodes, kill -9 + restart of one, SIGSTOP of another: every log holds each acked message once", async () => {
  const listener = start(bin("sprog"), ["listen", "--server", `${ring.hosts[0]}:${ring.clientPort}`]);
  await waitFor(() => listener.stderr().includes("listening to"), 10_000, "the listener to subscribe");
  const sprog = start(bin("sprog"), [
    "--config",
    ring.config,
    "-r",
    "-i",
    "0.001",
    "--window",
    "16",
    "-n",
    String(COUNT),
    "--timeout",
    "60",
  ]);
  const logged = (n: string) => accessContents(ring, n).length;
  await waitForOrExit(sprog, () => logged("MV") >= 600, "600 messages through the ring");
  const pa = procs.get("PA")!;
  process.kill(pa.pid, "SIGKILL");
  await pa.exited;
  // PA stays down while the ring carries 300 more messages; G hangs until MV has dropped it.
  await waitForOrExit(sprog, () => logged("MV") >= 900, "300 messages while PA is down");
  procs.set("PA", startNode(ring, "PA", STATS));
  await waitForOrExit(sprog, () => logged("MV") >= 1500, "1500 messages through the ring");
  const g = procs.get("G")!.pid;
  process.kill(g, "SIGSTOP");
  try {
    await waitFor(
      async () => (await status(ring, "MV", STATS))?.links.some((l: any) => l.peer === "G" && l.state !== "up"),
      20_000,
      "MV to drop hung G",
    );
  } finally {
    process.kill(g, "SIGCONT");
  }
  expect(await sprog.exited).toBe(0);
  const m = /^(\d+) sent, (\d+) acked, 0 failed/.exec(sprog.stdout());
  expect(m).not.toBeNull();
  const acked = Number(m![2]);
  expect(acked).toBe(COUNT);
  await waitFor(() => meshUp(ring, STATS), 20_000, "the mesh to heal");
  for (const n of ring.names) await waitFor(() => logged(n) >= acked, 30_000, `${n} to hold ${acked} messages (has ${logged(n)})`);
  await waitFor(() => settled(ring, STATS), 20_000, "every backlog empty");
  const reference = accessContents(ring, "MV").sort();
  expect(new Set(reference).size).toBe(reference.length);
  expect(reference.length).toBeGreaterThanOrEqual(acked);
  for (const n of ring.names) expect(accessContents(ring, n).sort()).toEqual(reference);
  const events = () =>
    listener
      .stdout()
      .split("\n")
      .filter((l) => l !== "");
  await waitFor(() => events().length >= reference.length, 10_000, "the listener's lines");
  const ids = events().map((l) => l.split(" ")[2]); // "SEQ NODE ID content"
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(reference.length);
}, 180_000);

test("sprog over two nodes, the one it is talking to killed with -9: no loss, no duplicate", async () => {
  const before = new Map(ring.names.map((n) => [n, accessContents(ring, n).length]));
  const servers = ["LA", "S"].flatMap((n) => ["--server", `${ring.hosts[ring.names.indexOf(n)]}:${ring.clientPort}`]);
  const sprog = start(bin("sprog"), [...servers, "-r", "-i", "0.002", "--window", "8", "-n", "1500", "--timeout", "60"]);
  await waitForOrExit(sprog, () => accessContents(ring, "LA").length - before.get("LA")! >= 400, "400 messages through LA");
  const la = procs.get("LA")!;
  process.kill(la.pid, "SIGKILL");
  await la.exited;
  expect(await sprog.exited).toBe(0);
  expect(sprog.stdout()).toMatch(/^1500 sent, 1500 acked, 0 failed/);
  procs.set("LA", startNode(ring, "LA", STATS));
  await waitFor(() => meshUp(ring, STATS), 20_000, "the mesh to heal");
  const fresh = (n: string) => accessContents(ring, n).slice(before.get(n)!);
  for (const n of ring.names) await waitFor(() => fresh(n).length >= 1500, 30_000, `${n} to hold 1500 (has ${fresh(n).length})`);
  await waitFor(() => settled(ring, STATS), 20_000, "every backlog empty");
  const reference = fresh("MV").sort();
  expect(new Set(reference).size).toBe(1500);
  for (const n of ring.names) expect(fresh(n).sort()).toEqual(reference);
}, 180_000);
