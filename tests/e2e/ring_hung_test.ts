// A peer that answers keepAlives but acknowledges no DATA is hung: its link is closed and
// redialled, and what it owes is resent.
import { afterAll, expect, test } from "bun:test";
import { listen } from "../../lib/net/mod.ts";
import { encodePacket, PacketDecoder, RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { readRingPacket, RING_PROTO, ringPacket, RingType } from "../../lib/ring/protocol.ts";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { freeRingPorts, startNode, status, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

test("a peer that acknowledges nothing for 2 x keepalive is closed and redialled; the message is resent", async () => {
  const ports = await freeRingPorts("127.1.8.11");
  const ring = writeRing(tmpDir(), "127.1.8", { names: ["A", "B"], ...ports, keepalive: 1 });
  let links = 0;
  const dataSeen: string[] = [];
  // B is played by this test: HELLO and keepAlives answered, DATA never.
  const fakeB = await listen({
    host: ring.hosts[1]!,
    port: ring.peerPort,
    onConn: (conn) => {
      links++;
      const d = new PacketDecoder({ modifier1: RING_MODIFIER1 });
      conn.onData((chunk) => {
        for (const p of d.push(chunk)) {
          const m = readRingPacket(p);
          if (m.type === RingType.HELLO) conn.write(encodePacket(ringPacket(RingType.HELLO, { proto: RING_PROTO, node: "B" })));
          if (m.type === RingType.KEEPALIVE) conn.write(encodePacket(ringPacket(RingType.ACK)));
          if (m.type === RingType.DATA) dataSeen.push(new TextDecoder().decode(m.vars.id));
        }
      });
    },
  });
  try {
    const a = startNode(ring, "A", ports.statsPort);
    await waitFor(async () => (await status(ring, "A", ports.statsPort))?.links[0].state === "up", 10_000, "A's link to B");
    const c = await WireClient.connect(ring.hosts[0]!, ring.clientPort);
    expect(await c.send("hung-1", "0to a peer that never acknowledges\r\n")).toBeUndefined();
    await waitFor(() => /link to B: no OK for 2 s/.test(a.stderr()), 6000, "A to close the hung link");
    await waitFor(() => dataSeen.filter((id) => id === "hung-1").length >= 2 && links >= 2, 6000, "the redial and the resend");
    expect((await status(ring, "A", ports.statsPort)).links[0].backlog).toBe(1);
    c.close();
  } finally {
    fakeB.close();
  }
}, 30_000);
