// Issue 22 item 2: an emperor whose link to zeus is misconfigured for good keeps running and
// says one consistent thing: one log line with the single right hint while it redials (the
// old link logged every ~2 s, with contradictory hints), /healthz 503 with that line, and
// `emperor status` showing it.
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bin, freePort, removeTmpDirs, run, start, tmpDir, waitFor, waitUp } from "../helpers/procs.ts";
import { type EmperorProc, startEmperor, startZeus, stopAll, type ZeusProc, zeusPki } from "./_zeus.ts";

/** Its CA and certificates (zeus, e1), and another CA with an e1 of its own. */
let certs = { pki: "", rogue: "" };
beforeAll(async () => void (certs = await zeusPki()));
afterEach(stopAll);
afterAll(removeTmpDirs);

/** A zeus with TLS and client certificates (the seed's --zeus form), on a free port. */
async function startAuthZeus(): Promise<Pick<ZeusProc, "proc" | "port">> {
  const port = await freePort();
  const statsPort = await freePort();
  const spec = `127.0.0.1:${port},${join(certs.pki, "zeus.crt")},${join(certs.pki, "zeus.key")},${join(certs.pki, "ca.crt")} ${tmpDir("zeus-vassals-")}`;
  const proc = start(bin("zeus"), ["--zeus", spec, "--stats", `127.0.0.1:${statsPort}`]);
  await waitUp(proc, () => fetch(`http://127.0.0.1:${statsPort}/healthz`).catch(() => undefined), 10_000, "zeus up");
  return { proc, port };
}

/** The emperor's stderr lines that say its link to zeus is down. */
const downLines = (e: EmperorProc) =>
  e.proc
    .stderr()
    .split("\n")
    .filter((l) => /zeus link down|zeus reports an error/.test(l));

/**
 * Waits until the link has failed 4 times (~2 s of its backoff: the old link logged a line
 * for most of them), then expects exactly one line, the hint, in the log, in /healthz
 * (503) and in `emperor status`.
 */
async function expectOneHint(e: EmperorProc, hint: RegExp): Promise<void> {
  const failures = async () => ((await e.status()) as { zeus: { failures?: number } } | undefined)?.zeus.failures ?? 0;
  await waitFor(async () => (await failures()) >= 4, 15_000, "4 failures");
  const lines = downLines(e);
  expect(lines).toEqual([expect.stringMatching(hint)]);
  const health = await fetch(`http://127.0.0.1:${e.statsPort}/healthz`);
  expect(health.status).toBe(503);
  expect(await health.text()).toMatch(hint);
  const status = await run(bin("emperor"), ["status", "--stats", `127.0.0.1:${e.statsPort}`]);
  expect(status.code).toBe(0);
  expect(status.stdout.split("\n")[0]).toMatch(new RegExp(`^zeus [\\w.]+:\\d+: not connected \\(\\w+\\): .*${hint.source}`));
  expect(((await e.status()) as { zeus: { misconfigured?: boolean } }).zeus.misconfigured).toBe(true);
  expect(e.proc.child.exitCode).toBeNull(); // it keeps running
}

test("a --node its certificate does not name: zeus's refusal with the fix, not a CA hint", async () => {
  const z = await startAuthZeus();
  const e = await startEmperor("e4", `zeus-ssl:127.0.0.1:${z.port},${join(certs.pki, "e1.key")}`, ["--zeus-ca", join(certs.pki, "ca.crt")]);
  await expectOneHint(
    e,
    /refused node "e4": its certificate names e1: start this emperor with --node e1, or give it a certificate issued for e4/,
  );
  expect(e.proc.stderr()).not.toContain("signed by the CA zeus trusts");
}, 30_000);

test("a certificate of another CA, and a --zeus-ca of another CA", async () => {
  const z = await startAuthZeus();
  const ca = ["--zeus-ca", join(certs.pki, "ca.crt")];
  const refused = await startEmperor("e1", `zeus-ssl:127.0.0.1:${z.port},${join(certs.rogue, "e1.key")}`, ca);
  const unknown = await startEmperor("e1", `zeus-ssl:127.0.0.1:${z.port},${join(certs.pki, "e1.key")}`, [
    "--zeus-ca",
    join(certs.rogue, "ca.crt"),
  ]);
  await expectOneHint(
    refused,
    /does not accept our certificate \(.*\): pass --emperor zeus-ssl:127\.0\.0\.1:\d+,CRT,KEY signed by zeus's CA/,
  );
  await expectOneHint(unknown, /the certificate of 127\.0\.0\.1:\d+ is not signed by a CA we trust: pass --zeus-ca CA/);
}, 30_000);

test("plain on a TLS zeus, TLS on a plain zeus", async () => {
  const tls = await startAuthZeus();
  const plain = await startZeus();
  const plainOnTls = await startEmperor("e1", `zeus:127.0.0.1:${tls.port}`);
  const tlsOnPlain = await startEmperor("e2", `zeus-ssl:127.0.0.1:${plain.port},${join(certs.pki, "e1.key")}`, [
    "--zeus-ca",
    join(certs.pki, "ca.crt"),
  ]);
  await expectOneHint(plainOnTls, /127\.0\.0\.1:\d+: this zeus speaks TLS: pass --emperor zeus-ssl:127\.0\.0\.1:\d+ and --zeus-ca CA/);
  await expectOneHint(
    tlsOnPlain,
    /127\.0\.0\.1:\d+: this zeus does not speak TLS: pass --emperor zeus:127\.0\.0\.1:\d+, without --zeus-ca/,
  );
}, 30_000);

test("a zeus certificate that does not name the host dialled, and no client certificate for a zeus that asks for one", async () => {
  const z = await startAuthZeus();
  const ca = ["--zeus-ca", join(certs.pki, "ca.crt")];
  // zeus.crt names zeus and 127.0.0.1, not localhost.
  const otherName = await startEmperor("e1", `zeus-ssl:localhost:${z.port},${join(certs.pki, "e1.key")}`, ca);
  const noCert = await startEmperor("e2", `zeus-ssl:127.0.0.1:${z.port}`, ca);
  await expectOneHint(otherName, /the certificate of localhost:\d+ does not name it: dial the host or IP its certificate names/);
  await expectOneHint(
    noCert,
    /127\.0\.0\.1:\d+ requires a client certificate: pass --emperor zeus-ssl:127\.0\.0\.1:\d+,CRT,KEY \(signed by zeus's CA\)/,
  );
}, 30_000);

test("zeus that accept but do not finish the TLS handshake (busy): with several, each dial that timed out is given twice as long, 5 s then 10 s", async () => {
  // Busy zeus, as after a restart in a fleet of thousands: the kernel accepts, nothing answers.
  const silent = [0, 1].map(() => Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }));
  try {
    const key = join(certs.pki, "e1.key");
    const [a, b] = silent.map((l) => `zeus-ssl:127.0.0.1:${l.port},${key}`);
    const e = await startEmperor("e1", a!, ["--emperor", b!, "--zeus-ca", join(certs.pki, "ca.crt")]);
    const lastError = async () => ((await e.status()) as { zeus: { last_error?: string } } | undefined)?.zeus.last_error ?? "";
    await waitFor(async () => (await lastError()).includes("timed out after 5000 ms"), 15_000, "the first dial timed out after 5 s");
    await waitFor(async () => (await lastError()).includes("timed out after 10000 ms"), 20_000, "the second given 10 s");
  } finally {
    for (const l of silent) l.stop(true);
  }
}, 60_000);

test("the only zeus, paused while the emperor dials: its TLS handshake is waited for, not given up at 5 s and done again", async () => {
  const z = await startZeus({
    extra: ["--cert", join(certs.pki, "zeus.crt"), "--key", join(certs.pki, "zeus.key"), "--client-ca", join(certs.pki, "ca.crt")],
  });
  // Paused (as zeus busy with 5 000 handshakes after its restart): its kernel accepts the dial, the handshake waits.
  process.kill(z.proc.pid, "SIGSTOP");
  let e: EmperorProc;
  try {
    e = await startEmperor("e1", `zeus-ssl:127.0.0.1:${z.port},${join(certs.pki, "e1.key")}`, ["--zeus-ca", join(certs.pki, "ca.crt")]);
    // Past an emperor's first dial timeout (5 s): there is no event to await while zeus is paused.
    await Bun.sleep(8000);
  } finally {
    process.kill(z.proc.pid, "SIGCONT");
  }
  await waitFor(async () => (await z.status())?.emperors.some((x) => x.node === "e1" && x.ready), 15_000, "e1 identified");
  const link = ((await e.status()) as { zeus: { failures?: number; connects?: number } } | undefined)?.zeus;
  expect(link).toMatchObject({ failures: 0, connects: 1 });
  expect((await z.status())!.handshakes).toMatchObject({ done: 1, abandoned: 0, timedOut: 0 });
}, 60_000);
