// Fuzzing the three ports strangers can reach, with the real binaries: random and mutated
// packet sequences (fast-check) on a zog's client and peer ports and on zeus's port, about
// 5 s each. After each run the daemon is alive; after each port it still serves a
// well-formed request, every line it wrote is one event (stderr, error.log), and its
// resident memory stayed bounded.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { encodePacket, encodeVars, RING_MODIFIER1, ZEUS_MODIFIER1 } from "../../lib/packet/mod.ts";
import { bin, killAll, type Proc, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { rawConnect } from "../helpers/raw_socket.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { freeRingPorts, logLines, meshUp, startNode, type TestRing, writeRing } from "../helpers/ring_setup.ts";
import { startZeus, stopAll, type ZeusProc } from "./_zeus.ts";

/** Fuzzing time per port. */
const PER_PORT_MS = 5000;
/** Resident memory a daemon may gain over a port's fuzzing. */
const RSS_GROWTH_LIMIT = 128 * 1024 * 1024;
const LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d \[(TRC|DBG|INF|WRN|ERR|FTL)\] (zog|zeus)\.[a-z_.]+: /;
const ERROR_LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (client|peer) /;

let ring: TestRing;
let a: Proc;
let z: ZeusProc;

beforeAll(async () => {
  const ports = await freeRingPorts("127.6.6.11");
  ring = writeRing(tmpDir(), "127.6.6", { names: ["A", "B"], ...ports, keepalive: 1 });
  a = startNode(ring, "A", ports.statsPort);
  startNode(ring, "B", ports.statsPort);
  z = await startZeus();
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the mesh");
}, 30_000);

afterAll(async () => {
  await stopAll();
  await killAll();
  removeTmpDirs();
});

const KEYS = [
  "id",
  "msg",
  "proto",
  "node",
  "client",
  "origin",
  "prefix",
  "since",
  "durable",
  "group",
  "seqs",
  "ack_wait",
  "name",
  "body",
  "reason",
  "command",
  "args",
];
const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.constantFrom("org.xlattice.pzog/1", "org.xlattice.pzog/2", "A", "B", "all", "0", "-1", "1-3,5", "zeus-admin/1", "0hello\r\n"),
  fc.string({ maxLength: 600 }).map((s) => `0${s}\r\n`),
);
const varsArb = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 10 })), hostile, { maxKeys: 6 });

/** One packet of `family`: well-framed with random vars, or bytes cut, flipped or random. */
function packetArb(family: number, types: number): fc.Arbitrary<Uint8Array> {
  const framed = fc
    .record({ type: fc.nat(types), vars: varsArb, m1: fc.constantFrom(family, family, family, 0, 71) })
    .map(({ type, vars, m1 }) => {
      const payload = encodeVars(vars);
      return encodePacket({ modifier1: m1, modifier2: type, payload: payload.byteLength > 65535 ? payload.subarray(0, 65535) : payload });
    });
  const mutated = fc
    .tuple(framed, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.option(fc.nat()))
    .map(([p, flips, cut]) => {
      const out = p.slice(0, cut === null ? p.length : cut % (p.length + 1));
      for (const [at, v] of flips) if (out.length > 0) out[at % out.length] = v;
      return out;
    });
  return fc.oneof(
    { weight: 3, arbitrary: framed },
    { weight: 3, arbitrary: mutated },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  );
}

/** Sends the packets (in random chunks) on a fresh connection; waits for a close or a short while. */
async function play(host: string, port: number, packets: Uint8Array[], splits: number[]): Promise<void> {
  const sock = await rawConnect(host, port).catch(() => undefined);
  if (!sock) return;
  sock.on("error", () => {});
  sock.resume();
  const closed = new Promise<void>((r) => sock.on("close", () => r()));
  const bytes = Buffer.concat(packets);
  let at = 0;
  for (const s of splits) {
    if (at >= bytes.length) break;
    sock.write(bytes.subarray(at, (at += 1 + (s % 512))));
  }
  if (at < bytes.length) sock.write(bytes.subarray(at));
  // The node may keep a half-fuzzed connection open: at most 40 ms per case, or the run takes minutes.
  await Promise.race([closed, Bun.sleep(40)]);
  sock.destroy();
}

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

async function fuzz(proc: Proc, host: string, port: number, family: number, types: number): Promise<number> {
  const before = rss(proc.pid);
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(packetArb(family, types), { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      async (packets, splits) => {
        runs++;
        await play(host, port, packets, splits);
        expect(proc.child.exitCode).toBeNull();
      },
    ),
    { numRuns: 100_000, plugins: [fc.interruptAfterTimeLimit(PER_PORT_MS)] },
  );
  expect(proc.child.exitCode).toBeNull();
  const grown = rss(proc.pid) - before;
  console.log(`fuzz ${host}:${port}: ${runs} runs, RSS grew ${Math.round(grown / 1024)} KiB`);
  expect(grown).toBeLessThan(RSS_GROWTH_LIMIT);
  return runs;
}

function oneEventPerLine(text: string, re: RegExp): void {
  const bad = text.split("\n").filter((l) => l !== "" && !re.test(l));
  expect(bad.slice(0, 3)).toEqual([]);
}

describe("fuzz", () => {
  for (const which of ["client", "peer"] as const) {
    test(`zog's ${which} port`, async () => {
      const runs = await fuzz(a, ring.hosts[0]!, which === "client" ? ring.clientPort : ring.peerPort, RING_MODIFIER1, 12);
      expect(runs).toBeGreaterThan(20);
      const c = await WireClient.connect(ring.hosts[0]!, ring.clientPort);
      expect(await c.send(`after-fuzz-${which}`, `0served after fuzzing the ${which} port\r\n`)).toBeUndefined();
      c.close();
      oneEventPerLine(a.stderr(), LOG_LINE);
      oneEventPerLine(logLines(ring, "A", "error.log").join("\n"), ERROR_LOG_LINE);
    }, 30_000);
  }

  test("zeus's port", async () => {
    const runs = await fuzz(z.proc, "127.0.0.1", z.port, ZEUS_MODIFIER1, 49);
    expect(runs).toBeGreaterThan(20);
    // Well-formed requests: stats answer, and an admin client on the fuzzed port is served.
    expect((await z.status())?.emperors).toBeDefined();
    const ping = await run(bin("zeus"), ["ping", "--zeus", `127.0.0.1:${z.port}`]);
    expect({ code: ping.code, err: ping.stderr }).toEqual({ code: 0, err: "" });
    oneEventPerLine(z.proc.stderr(), LOG_LINE);
  }, 30_000);
});
