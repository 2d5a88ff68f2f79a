// Durable listeners: the node keeps NAME's position on disk; a listener that comes back
// with that name (after being stopped, dropped for slowness, or across a node restart)
// resumes right after what it acknowledged.
import { afterAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { encodePacket } from "../../lib/packet/mod.ts";
import { ringPacket, RingType } from "../../lib/ring/protocol.ts";
import { bin, killAll, removeTmpDirs, run, waitFor } from "../helpers/procs.ts";
import { WireClient, streamMessages } from "../helpers/wire_client.ts";
import { accessContents, startNode, status } from "../helpers/ring_setup.ts";
import { batch, listen, printed, send, twoNodes } from "./_listen.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

test("a durable listener stopped after 300 of 1000 messages, its node restarted meanwhile, gets exactly the rest", async () => {
  const { ring, stats, procs } = await twoNodes("127.3.4");
  await send(ring, ring.hosts[0]!, batch("old", 50)); // before the listener: not for it
  const first = listen(ring, 0, ["--durable", "audit"]);
  await waitFor(() => first.stderr().includes("durable audit"), 10_000, "the durable listener");
  const lines = batch("durable", 1000);
  // The first 300 before it stops and the rest after, so a loaded machine cannot let it
  // print all 1000 before its SIGTERM lands.
  await send(ring, ring.hosts[1]!, lines.slice(0, 300), 1);
  await waitFor(() => printed(first).length >= 300, 15_000, "300 messages printed");
  first.child.kill("SIGTERM");
  expect(await first.exited).toBe(0);
  const sending = send(ring, ring.hosts[1]!, lines.slice(300), 1);
  // Its node restarts while it is away, and the messages keep coming (through B).
  procs.get("A")!.child.kill("SIGTERM");
  expect(await procs.get("A")!.exited).toBe(0);
  procs.set("A", startNode(ring, "A", stats));
  await sending;
  await waitFor(() => accessContents(ring, "A").length === 1050, 15_000, "A to catch up");
  const second = listen(ring, 0, ["--durable", "audit"]);
  const got = () => [...printed(first), ...printed(second)];
  await waitFor(() => got().length >= 1000, 15_000, "the rest");
  await waitFor(async () => (await status(ring, "A", stats))?.listeners === 1, 5000, "the listener on A");
  const all = got();
  expect(all.map((g) => g.content).sort()).toEqual([...lines].sort());
  expect(new Set(all.map((g) => g.seq)).size).toBe(1000);
  expect(printed(first).length).toBeLessThan(1000);
  expect(printed(second)[0]!.seq).toBe(printed(first).at(-1)!.seq + 1);
  // The position it acknowledged, in /status and zog status.
  const audit = async () => (await status(ring, "A", stats))?.store?.positions.find((p: { name: string }) => p.name === "audit");
  await waitFor(async () => (await audit())?.position === 1050, 5000, "the acknowledged position");
  expect(await audit()).toMatchObject({
    name: "audit",
    kind: "durable",
    position: 1050,
    connected: 1,
    in_flight: 0,
    lag_messages: 0,
    lag_seconds: 0,
  });
  const table = await run(bin("zog"), ["status", "--stats", `${ring.hosts[0]}:${stats}`]);
  expect(table.stdout).toContain("store: seq 1-1050 held for replay");
  expect(table.stdout).toMatch(/durable\s+audit\s+1050\s+1\s+0/);
}, 90_000);

test("kill -9 of a durable listener loses nothing: what comes again is only what it printed and had not acknowledged", async () => {
  const { ring } = await twoNodes("127.3.9");
  const first = listen(ring, 0, ["--durable", "crash"]);
  await waitFor(() => first.stderr().includes("durable crash"), 10_000, "the durable listener");
  const lines = batch("crash", 1000);
  const sending = send(ring, ring.hosts[1]!, lines, 1);
  await waitFor(() => printed(first).length >= 300, 15_000, "300 messages printed");
  first.child.kill("SIGKILL");
  await first.exited;
  await sending;
  const second = listen(ring, 0, ["--durable", "crash"]);
  await waitFor(() => printed(second).at(-1)?.content === lines.at(-1), 15_000, "the rest");
  const [a, b] = [printed(first), printed(second)];
  expect(new Set([...a, ...b].map((g) => g.content))).toEqual(new Set(lines));
  // Seqs run on without a gap; a repeat can only be a tail of the first run.
  expect(b[0]!.seq).toBeLessThanOrEqual(a.at(-1)!.seq + 1);
  const again = a.filter((g) => g.seq >= b[0]!.seq);
  expect(b.slice(0, again.length)).toEqual(again);
  expect(b.map((g) => g.seq)).toEqual(Array.from({ length: b.length }, (_, i) => b[0]!.seq + i));
}, 60_000);

test("a slow durable listener is dropped without stalling the ring, and resumes from its position", async () => {
  const { ring, stats } = await twoNodes("127.3.5");
  const slow = connect({ host: ring.hosts[0]!, port: ring.clientPort });
  await new Promise<void>((r) => slow.on("connect", () => r()));
  slow.on("error", () => {});
  slow.write(encodePacket(ringPacket(RingType.SUBSCRIBE, { durable: "slow" })));
  slow.pause();
  await waitFor(async () => (await status(ring, "A", stats))?.listeners === 1, 3000, "the slow listener");
  const pad = "p".repeat(440);
  const msgs = Array.from({ length: 30_000 }, (_, i) => ({ id: `slow-${i}`, msg: `0${String(i).padStart(6, "0")} ${pad}\r\n` }));
  const r = await streamMessages([ring.hosts[0]!, ring.hosts[1]!], ring.clientPort, msgs, { window: 128, timeoutMs: 20_000 });
  expect(r.failed).toBe(0);
  expect(r.acked).toBe(msgs.length);
  expect((await status(ring, "A", stats)).counters.listeners_dropped).toBe(1);
  slow.destroy();
  // It acknowledged nothing: back under its name, it gets every message from the start.
  const back = listen(ring, 0, ["--durable", "slow"]);
  await waitFor(() => printed(back).length >= msgs.length, 30_000, "the resumed listener");
  const got = printed(back);
  expect(got.map((g) => g.seq)).toEqual(Array.from({ length: msgs.length }, (_, i) => i + 1));
  expect(new Set(got.map((g) => g.id)).size).toBe(msgs.length);
}, 120_000);

test("a bad SUBSCRIBE or EVENT_ACK is refused with the reason, and only that connection closes", async () => {
  const { ring } = await twoNodes("127.3.8");
  const refused = async (vars: Record<string, string>, reason: string) => {
    const c = await WireClient.connect(ring.hosts[0]!, ring.clientPort);
    expect(await c.subscribe(vars)).toBe("connection closed");
    expect(c.errors).toEqual([expect.stringContaining(reason)]);
  };
  await refused({ since: "yesterday" }, 'cannot subscribe: since "yesterday" is not "all" or a sequence number');
  await refused({ durable: "a", group: "b" }, "cannot subscribe: SUBSCRIBE takes durable or group, not both");
  await refused({ ack_wait: "5" }, "cannot subscribe: ack_wait is for group members");
  const good = await WireClient.connect(ring.hosts[0]!, ring.clientPort);
  expect(await good.subscribe({ group: "g", prefix: "x" })).toBeUndefined();
  await refused({ group: "g", prefix: "y" }, 'cannot subscribe: group g takes messages starting with "x", not "y"');
  expect(await good.subscribe({})).toBe("connection closed");
  expect(good.errors).toEqual(["cannot subscribe: this connection is subscribed already"]);
  const acker = await WireClient.connect(ring.hosts[0]!, ring.clientPort);
  expect(await acker.subscribe({ durable: "d" })).toBeUndefined();
  acker.conn.write(encodePacket(ringPacket(RingType.EVENT_ACK, { seqs: "9-3" })));
  await acker.closed();
  expect(acker.errors).toEqual(['bad EVENT_ACK: seqs: "9-3" is not SEQ or FIRST-LAST']);
  // The node serves on.
  await send(ring, ring.hosts[0]!, ["still here"]);
}, 30_000);

test("sprog listen ends when the node refuses its subscription (exit 2) or another listener takes its durable name (exit 1)", async () => {
  const { ring } = await twoNodes("127.3.10");
  const first = listen(ring, 0, ["--durable", "one"]);
  await waitFor(() => first.stderr().includes("durable one"), 10_000, "the first listener");
  const second = listen(ring, 0, ["--durable", "one"]);
  expect(await first.exited).toBe(1);
  expect(first.stderr()).toMatch(/sprog: 127\.3\.10\.11:\d+: durable one was taken over by 127\.0\.0\.1:\d+\n$/);
  await waitFor(() => second.stderr().includes("durable one"), 10_000, "the second listener");
  const worker = listen(ring, 0, ["--group", "g", "--prefix", "x"]);
  await waitFor(() => worker.stderr().includes("group g"), 10_000, "the group member");
  const other = listen(ring, 0, ["--group", "g", "--prefix", "y"]);
  expect(await other.exited).toBe(2);
  expect(other.stderr()).toContain('refused: cannot subscribe: group g takes messages starting with "x", not "y"');
}, 30_000);
