// Hostile input on a node's ports: values off the wire cannot forge log lines, a HELLO in
// another protocol version is refused by name, a malformed packet gets ERROR before the
// close, and a node without TLS says so at start.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { encodePacket, RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { ringPacket, RingType } from "../../lib/ring/protocol.ts";
import { killAll, type Proc, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { exchange, packetsIn, rawConnect } from "../helpers/raw_socket.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { accessContents, freeRingPorts, logLines, meshUp, startNode, type TestRing, writeRing } from "../helpers/ring_setup.ts";

let ring: TestRing;
let a: Proc;
let stats = 0;
const host = () => ring.hosts[0]!;
/** A stderr line: the formatter's time stamp, level and category. */
const LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d \[(TRC|DBG|INF|WRN|ERR|FTL)\] zog\./;

beforeAll(async () => {
  const ports = await freeRingPorts("127.6.2.11");
  ring = writeRing(tmpDir(), "127.6.2", { names: ["A", "B"], ...ports, keepalive: 1 });
  stats = ports.statsPort;
  a = startNode(ring, "A", ports.statsPort);
  startNode(ring, "B", ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the two-node mesh");
});

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const raw = (type: number, vars: Record<string, string>) => encodePacket(ringPacket(type as RingType, vars));

describe("hostile input", () => {
  test("zog without TLS warns at start", () => {
    expect(a.stderr()).toMatch(/\[WRN\] zog\.daemon: zog listens on 127\.6\.2\.11 .* without TLS/);
  });

  test("a newline in a message id or a node name forges no line in error.log or on stderr", async () => {
    const c = await WireClient.connect(host(), ring.clientPort);
    const forged = "x\n2026-12-01T00:00:00.000Z client 10.0.0.1:1 forged line";
    expect(await c.send(forged.slice(0, 64), "0fine content\r\n")).toMatch(/bad message id/);
    const lines = await waitFor(
      () => (logLines(ring, "A", "error.log").length > 0 ? logLines(ring, "A", "error.log") : null),
      3000,
      "error.log",
    );
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain('bad message id "x\\x0a2026-12-01T00:00:00.000Z client 10.0.0.1:1 forged');
    c.close();

    const reply = await exchange(
      host(),
      ring.peerPort,
      raw(RingType.HELLO, { proto: "org.xlattice.pzog/1", node: "evil\n2026 [ERR] zog·node: forged\x1b[2J" }),
    );
    expect(reply.closed).toBe(true);
    await waitFor(() => a.stderr().includes("evil\\x0a2026 [ERR] zog·node: forged\\x1b[2J"), 3000, "the escaped refusal on stderr");
    for (const line of a
      .stderr()
      .split("\n")
      .filter((l) => l !== ""))
      expect(line).toMatch(LOG_LINE);
  });

  test("a HELLO in another protocol version is refused with ERROR naming it, on both ports", async () => {
    for (const [port, vars] of [
      [ring.peerPort, { proto: "org.xlattice.pzog/2", node: "B" }],
      [ring.clientPort, { proto: "org.xlattice.pzog/2", client: "c1" }],
    ] as const) {
      const reply = await exchange(host(), port, raw(RingType.HELLO, vars));
      expect(reply.closed).toBe(true);
      const [error] = packetsIn(reply.bytes, RING_MODIFIER1);
      expect(error?.modifier2).toBe(RingType.ERROR);
      expect(error?.vars.reason).toBe('unknown protocol "org.xlattice.pzog/2": this node speaks org.xlattice.pzog/1');
    }
    // A peer must say which protocol it speaks.
    const bare = await exchange(host(), ring.peerPort, raw(RingType.HELLO, { node: "B" }));
    expect(packetsIn(bare.bytes, RING_MODIFIER1)[0]?.vars.reason).toMatch(/^unknown protocol "": this node speaks/);
  });

  test("what a refused client sent after the refused packet, in the same write, is not read", async () => {
    const hello = raw(RingType.HELLO, { proto: "org.xlattice.pzog/2", client: "c1" });
    const data = raw(RingType.DATA, { id: "after-refusal", msg: "0sent after a refusal\r\n" });
    const reply = await exchange(host(), ring.clientPort, new Uint8Array(Buffer.concat([hello, data])));
    expect(reply.closed).toBe(true);
    expect(packetsIn(reply.bytes, RING_MODIFIER1).map((p) => p.modifier2)).toEqual([RingType.ERROR]);
    const c = await WireClient.connect(host(), ring.clientPort);
    expect(await c.send("after-the-refused", "0sent after the refused client\r\n")).toBeUndefined();
    c.close();
    await waitFor(() => accessContents(ring, "A").includes("sent after the refused client"), 3000, "the next message logged");
    expect(accessContents(ring, "A")).not.toContain("sent after a refusal");
  });

  test("a malformed packet is answered with ERROR saying what was wrong, then closed", async () => {
    const cases: [number, Uint8Array, RegExp][] = [
      [ring.clientPort, new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"), /packet of modifier1 71/],
      [ring.clientPort, new Uint8Array([222, 3, 0, 3, 5, 0, 105]), /./],
      [ring.peerPort, new Uint8Array([222, 0, 0, 99]), /expected HELLO|unknown ring message type 99/],
      [ring.clientPort, new Uint8Array([222, 0, 0, 99]), /unknown ring message type 99/],
    ];
    for (const [port, bytes, reason] of cases) {
      const reply = await exchange(host(), port, bytes);
      expect(reply.closed).toBe(true);
      const [error] = packetsIn(reply.bytes, RING_MODIFIER1);
      expect(error?.modifier2).toBe(RingType.ERROR);
      expect(error?.vars.reason).toMatch(reason);
    }
    const c = await WireClient.connect(host(), ring.clientPort);
    expect(await c.send("after-hostile", "0served after hostile input\r\n")).toBeUndefined();
    c.close();
  });

  test("the peer port lets in at most 4 x nodes + 16 connections that have not said HELLO; the mesh stays up", async () => {
    const socks = await Promise.all(Array.from({ length: 30 }, () => rawConnect(host(), ring.peerPort)));
    const replies = socks.map((sock) => {
      const got: Buffer[] = [];
      sock.on("data", (d: Buffer) => got.push(d));
      sock.on("error", () => {});
      return got;
    });
    const refusedCount = () =>
      replies.filter((got) =>
        packetsIn(new Uint8Array(Buffer.concat(got)), RING_MODIFIER1).some((p) =>
          /too many connections that have not said who they are \(24\)/.test(p.vars.reason ?? ""),
        ),
      ).length;
    await waitFor(() => refusedCount() === 30 - 24, 5000, "the strangers over 24 refused");
    expect(await meshUp(ring, stats)).toBe(true);
    for (const sock of socks) sock.destroy();
  });
});
