// Issue 22 item 1: every client ends a TLS misuse within 3 s, exit 2, one line naming the fix.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bin, freePort, killAll, removeTmpDirs, run, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { type RunningRing, startRing } from "../helpers/ring_setup.ts";

/** Far above a process start and a handshake, far below the 10 s the old clients took. */
const PROMPT_MS = 3_000;

let tlsRing: RunningRing;
let plainRing: RunningRing;
let pki = "";
let rogue = "";
beforeAll(async () => {
  tlsRing = await startRing("127.2.41", { tls: true, hosts: ["127.2.41.11", "127.2.41.12"] });
  plainRing = await startRing("127.2.42", { hosts: ["127.2.42.11", "127.2.42.12"] });
  pki = `${tlsRing.dir}/pki`;
  rogue = tmpDir("rogue-pki-");
  for (const args of [
    ["init", rogue],
    ["issue", rogue, "client"],
    ["issue", pki, "admin"],
    ["issue", pki, "zeus", "--host", "127.0.0.1"],
  ]) {
    const r = await run(bin("zog"), ["certs", ...args]);
    expect(r.code).toBe(0);
  }
}, 60_000);

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

/** Runs `cmd args`, with its wall-clock time; ends it after 15 s so a hang fails the test. */
async function timed(cmd: string, args: string[]) {
  const t0 = performance.now();
  const r = await run("timeout", ["15", cmd, ...args]);
  return { ...r, ms: performance.now() - t0 };
}

/** Exit 2 within PROMPT_MS and exactly one line on stderr, matching `line`. */
function expectOneLine(r: { code: number; stderr: string; ms: number }, line: RegExp): void {
  expect(r.stderr).toMatch(line);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.code).toBe(2);
  expect(r.ms).toBeLessThan(PROMPT_MS);
}

const tlsNode = () => `${tlsRing.nodes[0]!.host}:${tlsRing.clientPort}`;
const plainNode = () => `${plainRing.nodes[0]!.host}:${plainRing.clientPort}`;
const clientCert = () => ["--cert", `${pki}/client.crt`, "--key", `${pki}/client.key`];

test("sprog send and listen, plain on a TLS port: this node speaks TLS", async () => {
  const speaks = /^sprog: .*: this node speaks TLS: pass --ca, and --cert\/--key if it asks for a client certificate\n$/;
  expectOneLine(await timed(bin("sprog"), ["--server", tlsNode(), "-n", "1", "-m", "x", "--timeout", "30"]), speaks);
  expectOneLine(await timed(bin("sprog"), ["listen", "--server", tlsNode()]), speaks);
}, 60_000);

test("sprog send and listen, TLS on a plain port: this node does not speak TLS", async () => {
  const plain = /^sprog: .*: this node does not speak TLS: leave out --ca, --cert and --key/;
  const ca = ["--ca", `${pki}/ca.crt`];
  expectOneLine(await timed(bin("sprog"), ["--server", plainNode(), ...ca, "-n", "1", "-m", "x", "--timeout", "30"]), plain);
  expectOneLine(await timed(bin("sprog"), ["listen", "--server", plainNode(), ...ca]), plain);
}, 60_000);

test("sprog listen: no client certificate, an unknown CA, a certificate from another CA", async () => {
  const ca = ["--ca", `${pki}/ca.crt`];
  expectOneLine(
    await timed(bin("sprog"), ["listen", "--server", tlsNode(), ...ca]),
    /requires a client certificate: pass --cert CRT --key KEY/,
  );
  expectOneLine(
    await timed(bin("sprog"), ["listen", "--server", tlsNode(), ...clientCert()]),
    /is not signed by a CA we trust: pass --ca CA \(the ring's CA\)\n$/,
  );
  const other = ["--cert", `${rogue}/client.crt`, "--key", `${rogue}/client.key`];
  for (const sub of [["listen"], ["-n", "1", "-m", "x"]])
    expectOneLine(
      await timed(bin("sprog"), [...sub, "--server", tlsNode(), ...ca, ...other]),
      /does not accept our certificate \(.+\): pass --cert CRT --key KEY signed by the ring's CA\n$/,
    );
}, 60_000);

test("zeus admin clients: plain on TLS, TLS on plain, no client certificate, unknown CA", async () => {
  const port = await freePort();
  const statsPort = await freePort();
  const dir = tmpDir("zeus-vassals-");
  const spec = `127.0.0.1:${port},${join(pki, "zeus.crt")},${join(pki, "zeus.key")},${join(pki, "ca.crt")} ${dir}`;
  start(bin("zeus"), ["--zeus", spec, "--admin", "admin", "--stats", `127.0.0.1:${statsPort}`]);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${statsPort}/status`).catch(() => undefined))?.ok, 10_000, "zeus up");
  const zeus = ["--zeus", `127.0.0.1:${port}`];
  expectOneLine(await timed(bin("zeus"), ["ping", ...zeus]), /^zeus ping: .*: this zeus speaks TLS: pass --ca, and --cert\/--key/);
  expectOneLine(
    await timed(bin("zeus"), ["ping", ...zeus, "--ca", `${pki}/ca.crt`]),
    /^zeus ping: .*requires a client certificate: pass --cert CRT --key KEY \(signed by zeus's CA\)/,
  );
  expectOneLine(
    await timed(bin("zeus"), ["ping", ...zeus, "--ca", `${rogue}/ca.crt`, "--cert", `${pki}/admin.crt`, "--key", `${pki}/admin.key`]),
    /^zeus ping: the certificate of .* is not signed by a CA we trust: pass --ca CA \(zeus's CA\)\n$/,
  );
  const plainPort = await freePort();
  const plainStats = await freePort();
  start(bin("zeus"), ["--listen", `127.0.0.1:${plainPort}`, "--vassals", tmpDir("zeus-vassals-"), "--stats", `127.0.0.1:${plainStats}`]);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${plainStats}/status`).catch(() => undefined))?.ok, 10_000, "plain zeus up");
  expectOneLine(
    await timed(bin("zeus"), ["ping", "--zeus", `127.0.0.1:${plainPort}`, "--ca", `${pki}/ca.crt`]),
    /^zeus ping: .*: this zeus does not speak TLS: leave out --ca, --cert and --key/,
  );
}, 60_000);
