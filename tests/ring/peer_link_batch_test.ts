// A node's link to a peer that offers batches: one commit's messages leave as one
// DATA_BATCH, and one OK_BATCH clears them all. The peer is a minimal fake on a socket.
import { afterAll, expect, test } from "bun:test";
import { ringConfigFromText } from "../../lib/config/mod.ts";
import { type Conn, type Listener, listen } from "../../lib/net/mod.ts";
import { encodePacket, PacketDecoder, RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { okBatchPackets, readDataBatch } from "../../lib/ring/batch.ts";
import { LogFiles } from "../../lib/ring/log_files.ts";
import { ZogNode } from "../../lib/ring/node.ts";
import { PeerLink } from "../../lib/ring/peer_link.ts";
import { readRingPacket, RING_PROTO, ringPacket, RingType } from "../../lib/ring/protocol.ts";
import { recover } from "../../lib/ring/recovery.ts";
import { removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";

const listeners: Listener[] = [];
afterAll(() => {
  for (const l of listeners) l.close();
  removeTmpDirs();
});

test("a commit of many messages goes to a peer as one DATA_BATCH; its OK_BATCH clears the queue", async () => {
  const batches: number[] = [];
  const fake = await listen({
    host: "127.9.8.12",
    port: 0,
    onConn: (c: Conn) => {
      const d = new PacketDecoder({ modifier1: RING_MODIFIER1 });
      c.onData((chunk) => {
        for (const p of d.push(chunk)) {
          const m = readRingPacket(p);
          if (m.type === RingType.HELLO) c.write(encodePacket(ringPacket(RingType.HELLO, { proto: RING_PROTO, node: "PA", batch: "1" })));
          if (m.type !== RingType.DATA_BATCH) continue;
          const items = readDataBatch(m.payload);
          batches.push(items.length);
          for (const out of okBatchPackets(
            RingType.OK_BATCH,
            items.map((i) => i.id),
            16384,
          ))
            c.write(out);
        }
      });
    },
  });
  listeners.push(fake);
  const text = `peer_port = ${fake.port}\n[[node]]\nname = "MV"\nhost = "127.9.8.11"\n[[node]]\nname = "PA"\nhost = "127.9.8.12"\n`;
  const config = ringConfigFromText(text, "ring.toml");
  const files = new LogFiles(tmpDir());
  const node = new ZogNode({
    self: config.nodes[0]!,
    nodes: config.nodes,
    files,
    fsync: "never",
    recovered: recover(files),
    link: (peer, owner) => new PeerLink(peer, owner, { keepaliveMs: 5000 }),
  });
  const link = node.links[1]!;
  link.dialNow();
  await waitFor(() => link.state === "up", 5000, "the link to the fake peer");
  const replies = Array.from(
    { length: 50 },
    (_, k) => new Promise((reply) => node.submit({ id: `b-${k}`, content: `message ${k}`, from: "client", wrapping: 0, origin: 0, reply })),
  );
  expect(await Promise.all(replies)).toEqual(Array.from({ length: 50 }, () => undefined));
  await waitFor(() => link.queue.size === 0, 5000, "the peer's OK_BATCH");
  expect(batches).toEqual([50]);
  link.stop();
  files.close();
});
