// RingClient over real sockets against a minimal node that speaks the client side of the
// ring protocol, to check retry and failover; tests/e2e/sprog_*_test.ts run the real zog.
import { afterEach, expect, test } from "bun:test";
import { encodePacket, PacketDecoder, RING_MODIFIER1 } from "../../../lib/packet/mod.ts";
import { listen, type Conn, type Listener } from "../../../lib/net/mod.ts";
import { readRingPacket, ringPacket, RingType } from "../../../lib/ring/protocol.ts";
import { RingClient } from "../../../lib/ring/client/ring_client.ts";
import { okBatchPackets, readDataBatch } from "../../../lib/ring/batch.ts";

const dec = new TextDecoder();
const listeners: Listener[] = [];
afterEach(() => {
  for (const l of listeners.splice(0)) l.close();
});

/** A node on 127.2.0.x: `answer` decides per DATA: "ok", "error", "drop" (close) or "silent". */
async function node(host: string, answer: (id: string) => "ok" | "error" | "drop" | "silent", batch = false) {
  const got: string[] = [];
  /** The type of each DATA or DATA_BATCH packet received. */
  const packets: number[] = [];
  const l = await listen({
    host,
    port: 0,
    onConn: (c: Conn) => {
      const d = new PacketDecoder({ modifier1: RING_MODIFIER1 });
      c.onData((chunk) => {
        for (const p of d.push(chunk)) {
          const m = readRingPacket(p);
          const hello = { proto: "org.xlattice.pzog/1", node: host, ...(batch ? { batch: "1" } : {}) };
          if (m.type === RingType.HELLO) c.write(encodePacket(ringPacket(RingType.HELLO, hello)));
          if (m.type === RingType.DATA_BATCH) {
            packets.push(m.type);
            const items = readDataBatch(m.payload);
            for (const it of items) got.push(`${it.id} ${dec.decode(it.msg)}`);
            for (const p of okBatchPackets(
              RingType.OK_BATCH,
              items.map((it) => it.id),
              16384,
            ))
              c.write(p);
          }
          if (m.type !== RingType.DATA) continue;
          packets.push(m.type);
          const id = dec.decode(m.vars.id);
          got.push(`${id} ${dec.decode(m.vars.msg)}`);
          const a = answer(id);
          if (a === "ok") c.write(encodePacket(ringPacket(RingType.OK, { id })));
          if (a === "error") c.write(encodePacket(ringPacket(RingType.ERROR, { id, reason: "bad wrapping" })));
          if (a === "drop") c.close();
        }
      });
    },
  });
  listeners.push(l);
  return { server: { host, port: l.port }, got, packets };
}

test("a message a node drops is retried under the same id on the next node", async () => {
  const a = await node("127.2.0.21", () => "drop");
  const b = await node("127.2.0.22", () => "ok");
  const client = new RingClient({ servers: [a.server, b.server], policy: { kind: "roundRobin" } });
  const id = await client.publish("hello");
  expect(a.got).toEqual([`${id} 0hello\r\n`]);
  expect(b.got).toEqual([`${id} 0hello\r\n`]);
  expect(client.retried).toBe(1);
  await client.close();
});

test("a window of messages survives a node that stops answering", async () => {
  const a = await node("127.2.0.23", () => "silent");
  const b = await node("127.2.0.24", () => "ok");
  const client = new RingClient({ servers: [a.server, b.server], policy: { kind: "roundRobin" }, stallMs: 300 });
  const ids = await Promise.all(Array.from({ length: 50 }, (_, k) => client.publish(`m${k}`)));
  expect(new Set(ids).size).toBe(50);
  expect(new Set(b.got).size).toBe(50);
  await client.close();
});

test("a refused message fails with the node's reason; an unreachable ring times out", async () => {
  const a = await node("127.2.0.25", () => "error");
  const client = new RingClient({ servers: [a.server] });
  await expect(client.publish("x")).rejects.toThrow(`127.2.0.25:${a.server.port} refused message ${client.clientId}-1: bad wrapping`);
  await client.close(1000);
  const down = new RingClient({ servers: [{ host: "127.2.0.26", port: 1 }], timeoutMs: 600 });
  await expect(down.publish("x")).rejects.toThrow(
    /not acknowledged within 0.6 s \(last error: cannot connect to 127.2.0.26:1: ECONNREFUSED\)/,
  );
  await down.close(2000);
});

test("a node that takes batches gets a window as DATA_BATCH packets and acknowledges them with OK_BATCH", async () => {
  const a = await node("127.2.0.27", () => "ok", true);
  const client = new RingClient({ servers: [a.server] });
  await client.publish("first"); // its HELLO has arrived once this is acknowledged
  const ids = await Promise.all(Array.from({ length: 400 }, (_, k) => client.publish(`batched ${k}`)));
  expect(new Set(ids).size).toBe(400);
  expect(a.got.slice(1).map((g) => g.split(" ").slice(1).join(" "))).toEqual(Array.from({ length: 400 }, (_, k) => `0batched ${k}\r\n`));
  expect(a.packets.filter((t) => t === RingType.DATA_BATCH).length).toBeGreaterThan(0);
  expect(a.packets.length).toBeLessThan(20);
  await client.close();
});

test("a node whose HELLO does not offer batches gets one DATA per message", async () => {
  const a = await node("127.2.0.28", () => "ok");
  const client = new RingClient({ servers: [a.server] });
  await client.publish("first");
  await Promise.all(Array.from({ length: 50 }, (_, k) => client.publish(`single ${k}`)));
  expect(a.packets).toEqual(Array.from({ length: 51 }, () => RingType.DATA));
  await client.close();
});

test("messages sent in one turn go to one server together, the next turn's to the next (round robin); spread 'message' gives each its own", async () => {
  const nodes = await Promise.all(["127.2.0.31", "127.2.0.32", "127.2.0.33"].map((h) => node(h, () => "ok", true)));
  const client = new RingClient({ servers: nodes.map((x) => x.server), policy: { kind: "roundRobin" } });
  // The first turn connects (HELLO says the node takes DATA_BATCH); then one burst per turn.
  await client.publish("warm");
  const burst = (tag: string) => Promise.all(Array.from({ length: 6 }, (_, k) => client.publish(`${tag}${k}`)));
  await burst("a");
  await burst("b");
  const holding = (tag: string) => nodes.map((x) => x.got.filter((g) => g.includes(` 0${tag}`)).length);
  expect(holding("a").sort()).toEqual([0, 0, 6]);
  expect(holding("b").sort()).toEqual([0, 0, 6]);
  expect(holding("a").indexOf(6)).not.toBe(holding("b").indexOf(6));
  await client.close();
  const each = new RingClient({ servers: nodes.map((x) => x.server), policy: { kind: "roundRobin" }, spread: "message" });
  await Promise.all(Array.from({ length: 6 }, (_, k) => each.publish(`c${k}`)));
  expect(holding("c")).toEqual([2, 2, 2]);
  await each.close();
});
