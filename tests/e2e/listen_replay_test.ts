// Replay: per-node seq, `sprog listen --since all|SEQ|TIME`, no gap and no duplicate at the
// seam, seqs kept across restarts (kill -9 included), and retention.
import { afterAll, expect, test } from "bun:test";
import { killAll, removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { accessContents, startNode } from "../helpers/ring_setup.ts";
import { batch, listen, printed, send, twoNodes } from "./_listen.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

test("--since all while messages keep arriving: every message once, in seq order, no gap at the seam", async () => {
  const { ring } = await twoNodes("127.3.1");
  const first = batch("first", 1000);
  await send(ring, ring.hosts[1]!, first);
  await waitFor(() => accessContents(ring, "A").length === 1000, 10_000, "A's log");
  const sending = send(ring, ring.hosts[1]!, batch("second", 1000), 4);
  const l = listen(ring, 0, ["--since", "all"]);
  await sending;
  await waitFor(() => printed(l).length >= 2000, 20_000, "2000 printed");
  await waitFor(() => l.stderr().includes("replay done at seq"), 5000, "the end of the replay");
  const got = printed(l);
  expect(got).toHaveLength(2000);
  expect(got.map((g) => g.seq)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  expect(new Set(got.map((g) => g.id)).size).toBe(2000);
  // The seq order is A's access.log order.
  expect(got.map((g) => g.content)).toEqual(accessContents(ring, "A"));
  expect(l.stderr()).toMatch(/listening to .*, from seq 1 \(last logged: \d+\)/);
}, 60_000);

test("seqs survive kill -9 and restarts: --since SEQ and --since TIME across a restart", async () => {
  const { ring, stats, procs } = await twoNodes("127.3.2");
  await send(ring, ring.hosts[0]!, batch("before", 500));
  await waitFor(() => accessContents(ring, "A").length === 500, 10_000, "A's log");
  // A dies mid-stream; sprog fails over to B, A catches up when it is back.
  const sending = send(ring, ring.hosts[1]!, batch("during", 2000), 16);
  await waitFor(() => accessContents(ring, "A").length > 800, 10_000, "some of the stream on A");
  procs.get("A")!.child.kill("SIGKILL");
  await procs.get("A")!.exited;
  await sending;
  const restartedAt = new Date();
  await Bun.sleep(1100); // the stamp of what comes next is a later second than the restart
  procs.set("A", startNode(ring, "A", stats));
  await waitFor(() => accessContents(ring, "A").length === 2500, 15_000, "A to catch up");
  const after = batch("after", 300);
  await send(ring, ring.hosts[0]!, after);
  const all = accessContents(ring, "A");
  expect(all).toHaveLength(2800);

  // Everything: seqs 1..2800 in access.log's order, none twice, across the kill -9.
  const l = listen(ring, 0, ["--since", "all"]);
  await waitFor(() => printed(l).length >= 2800, 15_000, "the whole replay");
  const got = printed(l);
  expect(got.map((g) => g.seq)).toEqual(Array.from({ length: 2800 }, (_, i) => i + 1));
  expect(got.map((g) => g.content)).toEqual(all);

  // From a seq: exactly the rest.
  const fromSeq = listen(ring, 0, ["--since", "2001"]);
  await waitFor(() => printed(fromSeq).length >= 800, 15_000, "the replay from 2001");
  expect(printed(fromSeq).map((g) => g.content)).toEqual(all.slice(2000));

  // From a time: what A logged after its restart (messages it caught up included).
  const since = new Date(restartedAt.getTime() + 1000).toISOString();
  const fromTime = listen(ring, 0, ["--since", since]);
  // stdout and stderr are separate pipes: the last line, not the "replay done" log, says it is all here.
  await waitFor(() => printed(fromTime).at(-1)?.content === after.at(-1), 15_000, "the replay from a time");
  const timed = printed(fromTime).map((g) => g.content);
  expect(timed.slice(-300)).toEqual(after);
  expect(timed).toEqual(all.slice(all.length - timed.length));
  expect(timed.some((c) => c.startsWith("before"))).toBe(false);
}, 90_000);

test("retain: old messages go, and a replay from before says where it starts", async () => {
  const { ring } = await twoNodes("127.3.3", 'retain = "2s"');
  await send(ring, ring.hosts[0]!, batch("old", 200));
  await Bun.sleep(3500); // older than retain, and one trim period (1 s) more
  const fresh = batch("new", 100);
  await send(ring, ring.hosts[0]!, fresh);
  const l = listen(ring, 0, ["--since", "1"]);
  await waitFor(() => l.stderr().includes("replay done") && printed(l).length >= fresh.length, 10_000, "the replay");
  expect(printed(l).map((g) => g.content)).toEqual(fresh);
  expect(printed(l)[0]!.seq).toBe(201);
  expect(l.stderr()).toContain("200 older messages are no longer held (retain): the replay starts at seq 201");
  // access.log is the operator's: it keeps everything.
  expect(accessContents(ring, "A")).toHaveLength(300);
}, 60_000);
