import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadClientFiles } from "../../lib/tls/files.ts";
import { bin, killAll, type Proc, removeTmpDirs, run, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { accessContents, freeRingPorts, meshUp, startNode, status, type TestRing, writeRing } from "../helpers/ring_setup.ts";

let STATS = 0;
const NET = "127.1.4";
let ring: TestRing;
const procs = new Map<string, Proc>();

async function certs(args: string[]): Promise<void> {
  const r = await run(bin("zog"), ["certs", ...args]);
  if (r.code !== 0) throw new Error(`zog certs ${args.join(" ")}: ${r.stderr}`);
}

beforeAll(async () => {
  const dir = tmpDir();
  await certs(["init", join(dir, "pki")]);
  await certs(["init", join(dir, "evil")]);
  const names = ["MV", "PA", "G", "LA", "S"];
  for (const [i, n] of names.entries()) await certs(["issue", join(dir, "pki"), n, "--host", `${NET}.${11 + i}`]);
  await certs(["issue", join(dir, "pki"), "client1"]);
  await certs(["issue", join(dir, "evil"), "client1"]);
  await certs(["issue", join(dir, "evil"), "PA", "--host", `${NET}.12`]);
  const tail = `[tls]\nca = "pki/ca.crt"\ncert = "pki/{node}.crt"\nkey = "pki/{node}.key"\nclient_auth = "required"\n`;
  const ports = await freeRingPorts(`${NET}.11`);
  STATS = ports.statsPort;
  ring = writeRing(dir, NET, { ...ports, keepalive: 1, tail });
  for (const n of ring.names) procs.set(n, startNode(ring, n, STATS));
  await waitFor(() => meshUp(ring, STATS), 20_000, "the five-node TLS mesh");
}, 60_000);

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const host = (name: string) => ring.hosts[ring.names.indexOf(name)]!;
const pki = (p: string) => join(ring.dir, p);

/**
 * Whether a TLS connection with these files is refused: the dial fails, or the first
 * request (DATA on the client port, HELLO naming `hello` on the peer port) is not answered
 * OK/HELLO before the connection closes.
 */
async function refused(h: string, port: number, files: { ca: string; cert?: string; key?: string }, hello?: string): Promise<boolean> {
  let c: WireClient;
  try {
    c = await WireClient.connect(h, port, await loadClientFiles(files));
  } catch {
    return true;
  }
  const ask = hello === undefined ? c.send("tls-probe", "0probe\r\n") : c.hello(hello).then((n) => (n ? undefined : "no name"));
  // The bound of the wait, not a sleep: it resolves as soon as the node answers or closes.
  const reply = await Promise.race([ask, c.closed().then(() => "closed"), Bun.sleep(3000).then(() => "timeout")]);
  c.close();
  return reply !== undefined;
}

describe("the ring over mutual TLS", () => {
  test("messages cross the TLS mesh to every node", async () => {
    const c = await WireClient.connect(
      host("G"),
      ring.clientPort,
      await loadClientFiles({ ca: pki("pki/ca.crt"), cert: pki("pki/client1.crt"), key: pki("pki/client1.key") }),
    );
    for (let i = 0; i < 20; i++) expect(await c.send(`tls-${i}`, `0over tls ${i}\r\n`)).toBeUndefined();
    for (const n of ring.names) await waitFor(() => accessContents(ring, n).filter((m) => m.startsWith("over tls")).length === 20, 5000, n);
    c.close();
  }, 30_000);

  test("a client with a certificate from another CA, or none, is refused", async () => {
    expect(
      await refused(host("G"), ring.clientPort, { ca: pki("pki/ca.crt"), cert: pki("evil/client1.crt"), key: pki("evil/client1.key") }),
    ).toBe(true);
    expect(await refused(host("G"), ring.clientPort, { ca: pki("pki/ca.crt") })).toBe(true);
    expect(accessContents(ring, "G").includes("probe")).toBe(false);
  }, 30_000);

  test("on the peer port, another CA's certificate or a HELLO the certificate does not name is refused", async () => {
    const pa = { ca: pki("pki/ca.crt"), cert: pki("pki/PA.crt"), key: pki("pki/PA.key") };
    expect(await refused(host("MV"), ring.peerPort, pa, "PA")).toBe(false);
    expect(await refused(host("MV"), ring.peerPort, pa, "LA")).toBe(true);
    expect(
      await refused(host("MV"), ring.peerPort, { ca: pki("pki/ca.crt"), cert: pki("evil/PA.crt"), key: pki("evil/PA.key") }, "PA"),
    ).toBe(true);
  }, 30_000);

  test("a node presenting another node's certificate is refused by the ring", async () => {
    process.kill(procs.get("LA")!.pid, "SIGKILL");
    await procs.get("LA")!.exited;
    // LA started with PA's certificate: its HELLO says LA, its certificate says PA.
    const wrong = join(ring.dir, "wrong.toml");
    writeFileSync(
      wrong,
      (await Bun.file(ring.config).text()).replace(
        'cert = "pki/{node}.crt"\nkey = "pki/{node}.key"',
        'cert = "pki/PA.crt"\nkey = "pki/PA.key"',
      ),
    );
    const impostor = start(bin("zog"), ["--config", wrong, "--node", "LA", "--log-level", "debug"]);
    await waitFor(() => /certificate names .*PA.*not LA/.test(procs.get("MV")!.stderr()), 10_000, "MV to refuse the impostor");
    for (const n of ["MV", "PA", "G", "S"])
      expect((await status(ring, n, STATS)).links.find((l: { peer: string }) => l.peer === "LA").state).not.toBe("up");
    process.kill(impostor.pid, "SIGKILL");
    await impostor.exited;
    procs.set("LA", startNode(ring, "LA", STATS));
    await waitFor(() => meshUp(ring, STATS), 10_000, "the real LA back in the mesh");
  }, 40_000);

  test('client_auth = "optional": a client without a certificate is served on the client port; peers still need theirs', async () => {
    const dir = tmpDir();
    const tail = `[tls]\nca = "${pki("pki/ca.crt")}"\ncert = "${pki("pki")}/{node}.crt"\nkey = "${pki("pki")}/{node}.key"\nclient_auth = "optional"\n`;
    // Two nodes named like the main ring's first two, on other ports of the same hosts.
    const ports = await freeRingPorts(host("MV"));
    const opt = writeRing(dir, NET, { names: ["MV", "PA"], ...ports, keepalive: 1, tail });
    startNode(opt, "MV", ports.statsPort);
    startNode(opt, "PA", ports.statsPort);
    await waitFor(() => meshUp(opt, ports.statsPort), 10_000, "the optional-auth mesh");
    const c = await WireClient.connect(host("MV"), opt.clientPort, await loadClientFiles({ ca: pki("pki/ca.crt") }));
    expect(await c.send("optional-1", "0no client certificate needed\r\n")).toBeUndefined();
    c.close();
    expect(await refused(host("MV"), opt.peerPort, { ca: pki("pki/ca.crt") }, "PA")).toBe(true);
  }, 30_000);
});
