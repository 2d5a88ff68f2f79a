import { afterAll, expect, test } from "bun:test";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { streamMessages } from "../helpers/wire_client.ts";
import { accessContents, freeRingPorts, meshUp, startNode, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const DROPPED = /start-up pages of the executable dropped from memory: resident ([\d.]+) -> ([\d.]+) MiB/;

test("once started, and again once quiet after a load, a node gives memory back and goes on serving", async () => {
  const ports = await freeRingPorts("127.1.9.11");
  const ring = writeRing(tmpDir(), "127.1.9", { names: ["A", "B"], ...ports });
  const a = startNode(ring, "A", ports.statsPort);
  startNode(ring, "B", ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the mesh");
  const line = await waitFor(
    () => {
      const m = DROPPED.exec(a.stderr());
      if (!m && /start-up pages kept|panic|Segmentation/.test(a.stderr())) throw new Error(`no drop: ${a.stderr().slice(-1500)}`);
      return m;
    },
    30_000,
    "the start-up pages to be dropped",
  ).catch((e: Error) => {
    throw new Error(`${e.message}; node A's log ends: ${a.stderr().slice(-1500)}`);
  });
  const [before, after] = [Number(line[1]), Number(line[2])];
  expect(after).toBeLessThan(before);
  // The code it dropped comes back as it runs: messages still go round and are logged on both nodes.
  const msgs = Array.from({ length: 2000 }, (_, i) => ({ id: `mem-${i}`, msg: `0memory ${i}\r\n` }));
  const r = await streamMessages([ring.hosts[0]!, ring.hosts[1]!], ring.clientPort, msgs, { window: 64, timeoutMs: 20_000 });
  expect(r.acked).toBe(msgs.length);
  for (const n of ["A", "B"]) await waitFor(() => accessContents(ring, n).length === msgs.length, 20_000, `${n}'s access.log`);
  // Quiet again: the node collects its garbage and drops the pages the load brought back.
  const idle = await waitFor(() => /idle: memory given back, resident ([\d.]+) -> ([\d.]+) MiB/.exec(a.stderr()), 40_000, "the idle trim");
  expect(Number(idle[2])).toBeLessThan(Number(idle[1]));
  const more = await streamMessages([ring.hosts[0]!], ring.clientPort, [{ id: "mem-after", msg: "0after the trim\r\n" }], {
    window: 1,
    timeoutMs: 10_000,
  });
  expect(more.acked).toBe(1);
  expect(a.stderr()).not.toMatch(/panic|Segmentation|SIGSEGV/);
});
