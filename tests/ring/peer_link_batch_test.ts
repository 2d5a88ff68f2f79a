// A node's link to a peer that offers batches: one commit's messages leave as one
// DATA_BATCH, and one OK_BATCH clears them all. The peer is a minimal fake on a socket.
import { afterAll, expect, test } from "bun:test";
import { ringConfigFromText } from "../../lib/config/mod.ts";
import { type Conn, type Listener, listen } from "../../lib/net/mod.ts";
import { encodePacket, PacketDecoder, RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { forEachDataItem, okBatchPackets, readDataBatch } from "../../lib/ring/batch.ts";
import { LogFiles } from "../../lib/ring/log_files.ts";
import { ZogNode } from "../../lib/ring/node.ts";
import { PeerLink } from "../../lib/ring/peer_link.ts";
import { varText } from "../../lib/ring/packet_reader.ts";
import { readRingPacket, RING_PROTO, type RingMessage, ringPacket, RingType } from "../../lib/ring/protocol.ts";
import { recover } from "../../lib/ring/recovery.ts";
import { removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";

const listeners: Listener[] = [];
afterAll(() => {
  for (const l of listeners) l.close();
  removeTmpDirs();
});

/**
 * A fake peer PA on `${net}2` (its HELLO says `batch`), handing each packet it reads to
 * `onPacket` with its connection, and node MV on `${net}1` whose link to it is up.
 */
async function nodeAndFakePeer(net: string, batch: "1" | "0", onPacket: (m: RingMessage, c: Conn) => void) {
  const fake = await listen({
    host: `${net}2`,
    port: 0,
    onConn: (c: Conn) => {
      const d = new PacketDecoder({ modifier1: RING_MODIFIER1 });
      c.onData((chunk) => {
        for (const p of d.push(chunk)) {
          const m = readRingPacket(p);
          if (m.type === RingType.HELLO) c.write(encodePacket(ringPacket(RingType.HELLO, { proto: RING_PROTO, node: "PA", batch })));
          else onPacket(m, c);
        }
      });
    },
  });
  listeners.push(fake);
  const text = `peer_port = ${fake.port}\n[[node]]\nname = "MV"\nhost = "${net}1"\n[[node]]\nname = "PA"\nhost = "${net}2"\n`;
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
  return { node, link, files };
}

test("a commit of many messages goes to a peer as one DATA_BATCH; its OK_BATCH clears the queue", async () => {
  const batches: number[] = [];
  const { node, link, files } = await nodeAndFakePeer("127.9.8.1", "1", (m, c) => {
    if (m.type !== RingType.DATA_BATCH) return;
    const items = readDataBatch(m.payload);
    batches.push(items.length);
    for (const out of okBatchPackets(
      RingType.OK_BATCH,
      items.map((i) => i.id),
      16384,
    ))
      c.write(out);
  });
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

test.each([
  ["DATA_BATCH", "1", "127.9.8.2"],
  ["one DATA each", "0", "127.9.8.3"],
] as const)(
  "a client's quorum message reaches the peer with sync = 1 (its OK counts toward a majority), a local one without: %s",
  async (_how, batch, net) => {
    const seen: string[] = [];
    const { node, link, files } = await nodeAndFakePeer(net, batch, (m) => {
      if (m.type === RingType.DATA_BATCH) forEachDataItem(m.payload, (id, _msg, _origin, prompt) => seen.push(`${id} ${prompt}`));
      if (m.type === RingType.DATA) seen.push(`${varText(m, "id")} ${varText(m, "sync") === "1"}`);
    });
    node.submit({ id: "q-1", content: "quorum", from: "client", wrapping: 0, origin: 0, quorumMs: 10_000, reply: () => {} });
    node.submit({ id: "l-1", content: "local", from: "client", wrapping: 0, origin: 0, reply: () => {} });
    await waitFor(() => seen.length === 2, 5000, "both messages at the fake peer");
    expect(seen).toEqual(["q-1 true", "l-1 false"]);
    link.stop();
    files.close();
  },
);
