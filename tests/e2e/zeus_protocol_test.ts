// Bad bytes from either side: that one connection is closed with a logged reason; nobody else is harmed.
import { afterAll, afterEach, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { listen } from "../../lib/net/mod.ts";
import { encodePacket, encodeVars, PacketDecoder, ZEUS_MODIFIER1 } from "../../lib/packet/mod.ts";
import { configMessages, decodeMessage, encodeMessage, type ZeusMessage } from "../../lib/zeus_protocol/mod.ts";
import { removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { allRunning, copies, emperorsReady, sleeper, startEmperor, startZeus, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

const hello = encodePacket(encodeMessage({ type: "I_AM_ALIVE", node: "raw", maxVassals: 5, runningVassals: 0 }));
const reportEnd = encodePacket(encodeMessage({ type: "REPORT_END", count: 0 }));

async function rawClient(port: number, bytes: Uint8Array[]): Promise<{ closed: Promise<void>; received: () => Buffer }> {
  const sock: Socket = connect(port, "127.0.0.1");
  let got = Buffer.alloc(0);
  sock.on("data", (d: Buffer) => (got = Buffer.concat([got, d])));
  const closed = new Promise<void>((res) => sock.on("close", () => res()));
  sock.on("error", () => {});
  await new Promise((res) => sock.once("connect", res));
  for (const b of bytes) sock.write(b);
  return { closed, received: () => got };
}

test("zeus: unknown type, wrong family and a truncated var each close only that connection, with the reason logged", async () => {
  const z = await startZeus();
  writeVassals(z.dir, { "a.toml": sleeper(), "b.toml": sleeper() });
  const good = await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
  await allRunning(z, 2);
  const before = await copies([good]);

  const cases: [Uint8Array, string][] = [
    [encodePacket({ modifier1: ZEUS_MODIFIER1, modifier2: 99, payload: new Uint8Array() }), "unknown Zeus message type 99"],
    [encodePacket({ modifier1: 222, modifier2: 0, payload: new Uint8Array() }), "packet of modifier1 222 where the Zeus protocol"],
    [encodePacket({ modifier1: ZEUS_MODIFIER1, modifier2: 2, payload: new Uint8Array([5, 0, 110]) }), "runs past the end"],
    [
      encodePacket({ modifier1: ZEUS_MODIFIER1, modifier2: 1, payload: encodeVars({ name: "x.toml" }) }),
      "NEW_VASSAL (type 1) may not be sent by an emperor",
    ],
  ];
  for (const [bytes, reason] of cases) {
    const c = await rawClient(z.port, [hello, reportEnd, bytes]);
    await c.closed;
    expect(z.proc.stderr()).toContain(reason);
    const answer = new PacketDecoder({ modifier1: ZEUS_MODIFIER1 }).push(c.received()).map((p) => decodeMessage(p, "zeus"));
    expect(answer.at(-1)).toMatchObject({ type: "ERROR" });
  }
  writeVassals(z.dir, { "c.toml": sleeper() });
  const s = await allRunning(z, 3);
  expect(s.emperors.filter((e) => e.alive).map((e) => e.node)).toEqual(["e1"]);
  const after = await copies([good]);
  for (const [name, w] of before) expect(after.get(name)).toEqual(w);
}, 60_000);

test("emperor: an unknown message type from zeus closes that link with the reason logged; vassals keep running", async () => {
  const received: ZeusMessage[] = [];
  const conns: { write(b: Uint8Array): void }[] = [];
  const fake = await listen({
    host: "127.0.0.1",
    port: 0,
    onConn: (c) => {
      conns.push(c);
      const d = new PacketDecoder({ modifier1: ZEUS_MODIFIER1 });
      c.onData((chunk) => {
        for (const p of d.push(chunk)) received.push(decodeMessage(p, "emperor"));
      });
    },
  });
  try {
    const e = await startEmperor("e1", `zeus:127.0.0.1:${fake.port}`);
    await waitFor(() => received.find((m) => m.type === "REPORT_END"), 10_000, "the emperor's report");
    const send = (m: ZeusMessage) => conns[0]!.write(encodePacket(encodeMessage(m)));
    send({ type: "NEW_VASSAL", name: "a.toml" });
    await waitFor(() => received.find((m) => m.type === "ACCEPTED_VASSAL"), 5000, "ACCEPTED_VASSAL");
    for (const m of configMessages("a.toml", new TextEncoder().encode(sleeper()))) send(m);
    const spawned = await waitFor(() => received.find((m) => m.type === "VASSAL_SPAWNED"), 5000, "VASSAL_SPAWNED");
    const pid = (spawned as { pid: number }).pid;

    conns[0]!.write(encodePacket({ modifier1: ZEUS_MODIFIER1, modifier2: 42, payload: new Uint8Array() }));
    await waitFor(() => e.proc.stderr().includes("unknown Zeus message type 42"), 5000, "the emperor's log line");
    await waitFor(() => conns.length === 2, 10_000, "the emperor redialling");
    const report = await waitFor(() => received.filter((m) => m.type === "VASSAL_REPORT").at(-1), 5000, "a new report");
    expect(report).toMatchObject({ type: "VASSAL_REPORT", vassals: [{ name: "a.toml", pid }] });
    expect(received.find((m) => m.type === "ERROR")).toMatchObject({ reason: "unknown Zeus message type 42" });
    expect((await e.status())!.vassals.map((v) => v.pid)).toEqual([pid]);
  } finally {
    fake.close();
  }
}, 60_000);

test("zeus: a placement an emperor never answers times out (--place-timeout) and the vassal runs elsewhere", async () => {
  const z = await startZeus({ extra: ["--dead-after", "30", "--place-timeout", "1"] });
  // "raw" has the most room, heartbeats (well within --dead-after 30) and never answers a placement.
  const stuck = await rawClient(z.port, [
    encodePacket(encodeMessage({ type: "I_AM_ALIVE", node: "raw", maxVassals: 50, runningVassals: 0 })),
    reportEnd,
  ]);
  const good = await startEmperor("e1", `zeus:127.0.0.1:${z.port}`, ["--max-vassals", "1"]);
  await emperorsReady(z, 2);
  writeVassals(z.dir, { "a.toml": sleeper() });
  const s = await allRunning(z, 1);
  expect(s.vassals[0]!.emperors.map((c) => c.node)).toEqual(["e1"]);
  expect(z.proc.stderr()).toContain("emperor raw rejected a.toml: no answer to the placement within 1 s");
  expect((await copies([good])).get("a.toml")?.length).toBe(1);
  const told = new PacketDecoder({ modifier1: ZEUS_MODIFIER1 }).push(stuck.received()).map((p) => decodeMessage(p, "zeus"));
  expect(told.map((m) => m.type)).toEqual(["NEW_VASSAL", "VASSAL_DESTROY"]);
}, 60_000);
