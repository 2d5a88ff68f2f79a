// Work-queue groups: each message to exactly one connected member; a member's
// unacknowledged messages go to the others when it dies; with no member the group waits.
import { afterAll, expect, test } from "bun:test";
import { killAll, removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { accessContents, startNode, status } from "../helpers/ring_setup.ts";
import { batch, listen, printed, send, twoNodes } from "./_listen.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

test("three members share 3000 messages, each to one; kill -9 of one hands its unacknowledged messages to the others", async () => {
  const { ring, stats } = await twoNodes("127.3.6");
  const members = [0, 1, 2].map(() => listen(ring, 0, ["--group", "work", "--ack-wait", "5"]));
  await waitFor(async () => (await status(ring, "A", stats))?.listeners === 3, 10_000, "three members");
  const lines = batch("job", 3000);
  const sending = send(ring, ring.hosts[1]!, lines, 2);
  const victim = members[2]!;
  await waitFor(() => printed(victim).length >= 200, 15_000, "the third member to work");
  victim.child.kill("SIGKILL");
  await victim.exited;
  await sending;
  const [a, b] = [members[0]!, members[1]!];
  const union = () => new Set([...printed(a), ...printed(b), ...printed(victim)].map((g) => g.content));
  await waitFor(() => union().size === 3000, 20_000, "all 3000 handled");
  expect([...union()].sort()).toEqual([...lines].sort());
  // The live members never got the same message twice between them.
  const live = [...printed(a), ...printed(b)].map((g) => g.seq);
  expect(new Set(live).size).toBe(live.length);
  expect(printed(a).length).toBeGreaterThan(100);
  expect(printed(b).length).toBeGreaterThan(100);
  // What the victim printed and the others got again is what it had not acknowledged (at
  // most its 512 in flight).
  const again = printed(victim).filter((g) => live.includes(g.seq)).length;
  expect(again).toBeLessThanOrEqual(512);
}, 90_000);

test("with no member connected the group's position waits on disk, across a node restart", async () => {
  const { ring, stats, procs } = await twoNodes("127.3.7");
  const m1 = listen(ring, 0, ["--group", "later"]);
  await waitFor(() => m1.stderr().includes("group later"), 10_000, "the member");
  const seen = batch("seen", 20);
  await send(ring, ring.hosts[0]!, seen);
  await waitFor(() => printed(m1).length === 20, 10_000, "the first 20");
  m1.child.kill("SIGTERM");
  expect(await m1.exited).toBe(0);
  const waiting = batch("waiting", 100);
  await send(ring, ring.hosts[1]!, waiting);
  await waitFor(() => accessContents(ring, "A").length === 120, 10_000, "A's log");
  procs.get("A")!.child.kill("SIGTERM");
  expect(await procs.get("A")!.exited).toBe(0);
  procs.set("A", startNode(ring, "A", stats));
  const m2 = listen(ring, 0, ["--group", "later"]);
  await waitFor(() => printed(m2).length >= 100, 15_000, "the 100 that waited");
  // A non-event (no more than the 100 are printed): time for an extra line to wrongly arrive.
  await Bun.sleep(200);
  expect(printed(m2).map((g) => g.content)).toEqual(waiting);
}, 60_000);
