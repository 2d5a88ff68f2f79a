import { afterAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { encodePacket } from "../../lib/packet/mod.ts";
import { ringPacket, RingType } from "../../lib/ring/protocol.ts";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { WireClient, streamMessages } from "../helpers/wire_client.ts";
import { accessContents, freeRingPorts, meshUp, startNode, status, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

test("a listener that stops reading is dropped with a logged reason; the ring and other listeners go on", async () => {
  const ports = await freeRingPorts("127.1.7.11");
  const ring = writeRing(tmpDir(), "127.1.7", { names: ["A", "B"], ...ports, extra: 'fsync = "never"' });
  const a = startNode(ring, "A", ports.statsPort);
  startNode(ring, "B", ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the mesh");
  // The slow listener: subscribes, then never reads.
  const slow = connect({ host: ring.hosts[0]!, port: ring.clientPort });
  await new Promise<void>((r) => slow.on("connect", () => r()));
  slow.on("error", () => {});
  slow.write(encodePacket(ringPacket(RingType.SUBSCRIBE)));
  slow.pause();
  const good = await WireClient.connect(ring.hosts[0]!, ring.clientPort);
  await good.subscribe();
  await waitFor(async () => (await status(ring, "A", ports.statsPort))?.listeners === 2, 3000, "two listeners");
  const pad = "p".repeat(440);
  const msgs = Array.from({ length: 30_000 }, (_, i) => ({ id: `slow-${i}`, msg: `0${String(i).padStart(6, "0")} ${pad}\r\n` }));
  const r = await streamMessages([ring.hosts[0]!, ring.hosts[1]!], ring.clientPort, msgs, { window: 128, timeoutMs: 20_000 });
  expect(r.failed).toBe(0);
  expect(r.acked).toBe(msgs.length);
  await waitFor(() => /dropping listener .*listener too slow/.test(a.stderr()), 10_000, "the drop to be logged");
  expect((await status(ring, "A", ports.statsPort)).counters.listeners_dropped).toBe(1);
  for (const n of ["A", "B"]) await waitFor(() => accessContents(ring, n).length === msgs.length, 20_000, `${n}'s log`);
  await waitFor(() => good.events.length === msgs.length, 20_000, "the good listener's events");
  expect(new Set(good.events.map((e) => e.id)).size).toBe(msgs.length);
  slow.destroy();
  good.close();
}, 120_000);
