import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { encodePacket, encodeVars } from "../../lib/packet/mod.ts";
import { dataBatchPackets, readOkBatch } from "../../lib/ring/batch.ts";
import { RingClient } from "../../lib/ring/client/ring_client.ts";
import { RING_PROTO, ringPacket, RingType } from "../../lib/ring/protocol.ts";
import { killAll, removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { exchange, packetsIn } from "../helpers/raw_socket.ts";
import { accessContents, logLines, startTestRing, status, type TestRing } from "../helpers/ring_setup.ts";

let ring: TestRing;
let STATS = 0;

beforeAll(async () => {
  ({ ring, stats: STATS } = await startTestRing("127.5.1"));
});

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const enc = (s: string) => new TextEncoder().encode(s);
const hello = () => encodePacket(ringPacket(RingType.HELLO, { proto: RING_PROTO, client: "batch-test" }));
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe("batches on the wire", () => {
  test("a DATA_BATCH is answered by OK_BATCH for the good messages and ERROR for the bad one; all logged once everywhere", async () => {
    const items = [
      { id: "rawbatch-1", msg: enc("0raw batch message one for every node\r\n") },
      { id: "rawbatch-2", msg: enc("0raw batch message two, no CRLF") },
      { id: "rawbatch-3", msg: enc("0raw batch message three for every node\r\n") },
    ];
    const host = ring.hosts[0]!;
    const reply = await exchange(host, ring.clientPort, concat([hello(), ...dataBatchPackets(RingType.DATA_BATCH, items, 16384)]), 1500);
    const answers = packetsIn(reply.bytes, 222);
    expect(answers.find((p) => p.modifier2 === RingType.HELLO)?.vars.batch).toBe("1");
    const oks = answers.filter((p) => p.modifier2 === RingType.OK_BATCH).flatMap((p) => readOkBatch(p.payload));
    expect(oks.sort()).toEqual(["rawbatch-1", "rawbatch-3"]);
    const errors = answers.filter((p) => p.modifier2 === RingType.ERROR);
    expect(errors.map((e) => [e.vars.id, e.vars.reason])).toEqual([["rawbatch-2", "not CRLF-terminated"]]);
    for (const n of ring.names) {
      await waitFor(
        () => accessContents(ring, n).filter((c) => c.startsWith("raw batch message")).length === 2,
        10_000,
        `${n}'s access.log`,
      );
    }
    expect(logLines(ring, ring.names[0]!, "error.log").some((l) => l.includes("not CRLF-terminated"))).toBe(true);
  });

  test("a malformed DATA_BATCH (msg before any id) is logged, answered with ERROR and closes that connection", async () => {
    const bad = encodePacket({ modifier1: 222, modifier2: RingType.DATA_BATCH, payload: encodeVars({ msg: "0orphan\r\n", id: "x" }) });
    const reply = await exchange(ring.hosts[1]!, ring.clientPort, concat([hello(), bad]), 3000);
    expect(reply.closed).toBe(true);
    const errors = packetsIn(reply.bytes, 222).filter((p) => p.modifier2 === RingType.ERROR);
    expect(errors.map((e) => e.vars.reason)).toEqual([expect.stringContaining('DATA_BATCH var "msg" before any id')]);
    for (const n of ring.names) expect(accessContents(ring, n).some((c) => c.includes("orphan"))).toBe(false);
  });

  test("RingClient through a real ring: thousands of messages in batches, each logged once on every node, each forwarded four times", async () => {
    const client = new RingClient({ servers: ring.hosts.map((host) => ({ host, port: ring.clientPort })), policy: { kind: "roundRobin" } });
    const before = await Promise.all(ring.names.map((n) => status(ring, n, STATS)));
    const sent = Array.from({ length: 3000 }, (_, k) => `client batch ${String(k).padStart(5, "0")} ${"y".repeat(30)}`);
    await Promise.all(sent.map((c) => client.publish(c)));
    await client.close();
    for (const n of ring.names) {
      await waitFor(() => accessContents(ring, n).filter((c) => c.startsWith("client batch")).length >= sent.length, 20_000, n);
      expect(
        accessContents(ring, n)
          .filter((c) => c.startsWith("client batch"))
          .sort(),
      ).toEqual(sent);
    }
    const after = await Promise.all(ring.names.map((n) => status(ring, n, STATS)));
    // Every message reached one node from the client and was forwarded to the other four.
    // On a loaded machine a client retry or a link redelivery sends some again: each such
    // copy is dropped by id where it lands (a duplicate), and only then may there be more.
    const delta = (key: string) => after.reduce((a, s, i) => a + s.counters[key] - before[i].counters[key], 0);
    const forwarded = delta("forwarded");
    if (client.retried === 0 && delta("duplicates") === 0) expect(forwarded).toBe(4 * sent.length);
    else expect(forwarded).toBeGreaterThan(4 * sent.length);
  }, 60_000);
});
