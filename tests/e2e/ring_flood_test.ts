// A flood on the client port of a node started under `ulimit -n 256`: max_clients is
// derived from that limit, the connections over it get ERROR and one log line, the node
// keeps its peers and serves clients, silent connections are closed after client_idle and
// one stuck mid-packet after 10 s, a subscribed listener stays; and with max_clients set
// past the limit, running out of descriptors is logged and the node serves on.
import { afterAll, expect, test } from "bun:test";
import type { Socket } from "node:net";
import { RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { RingType } from "../../lib/ring/protocol.ts";
import { bin, killAll, type Proc, removeTmpDirs, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { packetsIn, rawConnect } from "../helpers/raw_socket.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { accessContents, freeRingPorts, meshUp, startNode, status, type TestRing, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

/** Starts node `name` in a shell that lowers the open-file limit first. */
function startLimited(ring: TestRing, name: string, statsPort: number, nofile: number): Proc {
  const host = ring.hosts[ring.names.indexOf(name)]!;
  const cmd = `ulimit -n ${nofile} && exec ${bin("zog")} --config ${ring.config} --node ${name} --stats ${host}:${statsPort}`;
  return start("sh", ["-c", cmd]);
}

/** A raw connection that records what it received and when it was closed. */
interface Watched {
  sock: Socket;
  bytes: Buffer[];
  closedAt?: number;
}

async function open(host: string, port: number): Promise<Watched> {
  const sock = await rawConnect(host, port);
  const w: Watched = { sock, bytes: [] };
  sock.on("data", (d: Buffer) => w.bytes.push(d));
  sock.on("error", () => {});
  sock.on("close", () => (w.closedAt = Date.now()));
  return w;
}

const errorsOf = (w: Watched) =>
  packetsIn(new Uint8Array(Buffer.concat(w.bytes)), RING_MODIFIER1)
    .filter((p) => p.modifier2 === RingType.ERROR)
    .map((p) => p.vars.reason);

test("a flood under ulimit -n 256: refused over max_clients, idle and partial ones closed on time, served afterwards", async () => {
  const ports = await freeRingPorts("127.6.4.11");
  const ring = writeRing(tmpDir(), "127.6.4", { names: ["A", "B"], ...ports, keepalive: 1, extra: "client_idle = 3" });
  const a = startLimited(ring, "A", ports.statsPort, 256);
  startNode(ring, "B", ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the mesh");
  const max = Number(/clients: at most (\d+) \(open-file limit 256\)/.exec(a.stderr())?.[1]);
  expect(max).toBeGreaterThan(100);
  expect(max).toBeLessThan(256 - 2);

  const host = ring.hosts[0]!;
  const listener = await WireClient.connect(host, ring.clientPort);
  expect(await listener.subscribe("flood")).toBeUndefined();
  // A slow sender: one byte of a DATA every 300 ms, never a whole packet.
  const slow = await open(host, ring.clientPort);
  const slowStart = Date.now();
  const header = [222, 0xff, 0x00, RingType.DATA];
  let sent = 0;
  const trickle = setInterval(() => slow.closedAt ?? slow.sock.write(new Uint8Array([header[sent++] ?? 120])), 300);
  const floodStart = Date.now();
  const flood = await Promise.all(Array.from({ length: 300 }, () => open(host, ring.clientPort)));
  const refused = await waitFor(
    () => {
      const r = flood.filter((w) => w.closedAt !== undefined && errorsOf(w).some((e) => /too many clients: max_clients/.test(e ?? "")));
      return r.length >= 300 + 2 - max ? r : null;
    },
    5000,
    "the connections over max_clients to be refused",
  );
  expect(refused.length).toBe(300 + 2 - max);
  expect((a.stderr().match(/refusing client .*too many clients/g) ?? []).length).toBe(1);

  // Peers keep their descriptors: B's messages still reach A while A's client port is full.
  const b = await WireClient.connect(ring.hosts[1]!, ring.clientPort);
  expect(await b.send("via-b", "0flood via B\r\n")).toBeUndefined();
  await waitFor(() => accessContents(ring, "A").includes("flood via B"), 5000, "A to log B's message");

  // The silent ones are closed after client_idle (3 s), with ERROR saying why.
  const admitted = flood.filter((w) => !refused.includes(w));
  await waitFor(() => admitted.every((w) => w.closedAt !== undefined), 10_000, "the idle connections to be closed");
  for (const w of admitted) {
    expect(w.closedAt! - floodStart).toBeGreaterThanOrEqual(2900);
    expect(errorsOf(w)).toEqual(["sent nothing for 3 s"]);
  }
  // The slow sender talks all the time, but is closed 10 s into its packet.
  await waitFor(() => slow.closedAt, 15_000, "the slow sender to be closed");
  clearInterval(trickle);
  expect(slow.closedAt! - slowStart).toBeGreaterThanOrEqual(9_500);
  expect(errorsOf(slow)).toEqual(["stopped in the middle of a packet for 10 s"]);

  // The listener, silent all along, is still there and hears what comes next.
  const c = await WireClient.connect(host, ring.clientPort);
  expect(await c.send("after-flood", "0flood over\r\n")).toBeUndefined();
  await waitFor(() => listener.events.some((e) => e.id === "after-flood"), 5000, "the listener's event");
  // /status counts what the log lines summarise.
  const clients = (await status(ring, "A", ports.statsPort)).clients;
  expect(clients).toMatchObject({ max, refused: 300 + 2 - max, timed_out: admitted.length + 1 });
  expect(clients.open).toBeGreaterThanOrEqual(2);
  const metrics = await (await fetch(`http://${host}:${ports.statsPort}/metrics`)).text();
  expect(metrics).toContain(`zog_clients_refused_total{node="A"} ${300 + 2 - max}`);
  for (const x of [listener, b, c]) x.close();
  for (const w of flood) w.sock.destroy();
}, 60_000);

test("max_clients past the open-file limit: running out of descriptors is logged, and the node serves again", async () => {
  const ports = await freeRingPorts("127.6.5.11");
  const ring = writeRing(tmpDir(), "127.6.5", { names: ["A", "B"], ...ports, keepalive: 1, extra: "client_idle = 2\nmax_clients = 1000" });
  const a = startLimited(ring, "A", ports.statsPort, 128);
  startNode(ring, "B", ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the mesh");
  expect(a.stderr()).toMatch(/max_clients 1000 is more than the open-file limit 128 leaves for clients \(76\)/);
  const host = ring.hosts[0]!;
  const flood = await Promise.all(Array.from({ length: 200 }, () => open(host, ring.clientPort)));
  await waitFor(
    () => /\[ERR\] zog\.clients: running out of file descriptors: \d+ of 128 left/.test(a.stderr()),
    10_000,
    "the shortage logged",
  );
  // Once the silent ones are closed, connections waiting in the backlog are taken and served.
  const c = await WireClient.connect(host, ring.clientPort);
  expect(await c.send("after-shortage", "0served after the shortage\r\n")).toBeUndefined();
  c.close();
  for (const w of flood) w.sock.destroy();
}, 60_000);
