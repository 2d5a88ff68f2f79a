// TLS handshakes a node refuses are logged with the address and the reason (no
// certificate, another CA, expired, not yet valid, self-signed), at most once a minute per
// address and reason, so a scanner cannot flood the log.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { dial } from "../../lib/net/mod.ts";
import { type CertPair, generateCa, issueCert } from "../../lib/certs/certs.ts";
import { killAll, type Proc, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { rawConnect } from "../helpers/raw_socket.ts";
import { freeRingPorts, meshUp, startNode, type TestRing, writeRing } from "../helpers/ring_setup.ts";

const DAY = 86_400_000;
let ring: TestRing;
let a: Proc;
let ca: CertPair;
const clients: Record<string, CertPair | undefined> = {};

beforeAll(async () => {
  const dir = tmpDir();
  ca = await generateCa();
  const other = await generateCa({ commonName: "other CA" });
  const put = (name: string, p: CertPair) => {
    writeFileSync(join(dir, `${name}.crt`), p.certPem);
    writeFileSync(join(dir, `${name}.key`), p.keyPem);
  };
  put("ca", ca);
  put("A", await issueCert(ca, "A", ["127.6.3.11"]));
  put("B", await issueCert(ca, "B", ["127.6.3.12"]));
  clients["no certificate"] = undefined;
  clients["another CA"] = await issueCert(other, "c", []);
  clients["expired"] = await issueCert(ca, "c", [], { now: new Date(Date.now() - 800 * DAY) });
  clients["not yet valid"] = await issueCert(ca, "c", [], { now: new Date(Date.now() + 30 * DAY) });
  clients["self-signed"] = await generateCa({ commonName: "c" });
  const tail = `[tls]\nca = "ca.crt"\ncert = "{node}.crt"\nkey = "{node}.key"\nclient_auth = "required"\n`;
  const ports = await freeRingPorts("127.6.3.11");
  ring = writeRing(dir, "127.6.3", { names: ["A", "B"], ...ports, keepalive: 1, tail });
  a = startNode(ring, "A", ports.statsPort);
  startNode(ring, "B", ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 15_000, "the TLS mesh");
}, 30_000);

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

/** Dials A's `port` with a client certificate (or none); the node drops it after the handshake. */
async function knock(port: number, cert: CertPair | undefined, trust = ca): Promise<void> {
  try {
    const c = await dial({
      host: "127.6.3.11",
      port,
      timeoutMs: 3000,
      tls: { ca: trust.certPem, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) },
    });
    await new Promise<void>((r) => {
      c.onClose(() => r());
      setTimeout(() => c.close(), 3000);
    });
  } catch {
    // Refused during the handshake: what the node logs is what this test reads.
  }
}

const REASONS: Record<string, RegExp> = {
  "no certificate": /no client certificate/,
  "another CA": /unable to verify the first certificate \(not signed by our CA\)/,
  expired: /certificate has expired/,
  "not yet valid": /certificate is not yet valid/,
  "self-signed": /self[- ]signed certificate/,
};

test("every refused handshake on either port is logged with the address and the reason", async () => {
  for (const [port, what] of [
    [ring.clientPort, "client"],
    [ring.peerPort, "peer"],
  ] as const) {
    for (const [kind, cert] of Object.entries(clients)) {
      await knock(port, cert);
      const line = new RegExp(`\\[WRN\\] zog\\.daemon: refused ${what} at 127\\.0\\.0\\.1:\\d+: ${REASONS[kind]!.source}`);
      await waitFor(() => line.test(a.stderr()), 5000, `the ${what} refusal for ${kind}`);
    }
  }
  // A client that does not trust the node's certificate gives up half-way: logged too.
  await knock(ring.clientPort, clients["another CA"], clients["self-signed"]);
  await waitFor(
    () => /refused client at 127\.0\.0\.1:\d+: closed during the TLS handshake/.test(a.stderr()),
    5000,
    "the client's own refusal",
  );
  // A port probe (TCP connect, then close) is named as such, not as a certificate problem.
  const probe = await rawConnect("127.6.3.11", ring.clientPort);
  probe.end();
  await waitFor(
    () => /refused client at 127\.0\.0\.1:\d+: Client network socket disconnected before secure TLS/.test(a.stderr()),
    5000,
    "the probe",
  );
  expect(a.stderr()).not.toMatch(/unable to get issuer certificate/);
}, 60_000);

test("a scanner's repeated refusals give one line per address and reason a minute", async () => {
  // The first test logged this address and reason already, less than a minute ago.
  const before = (a.stderr().match(/refused client at 127\.0\.0\.1:\d+: certificate has expired/g) ?? []).length;
  await Promise.all(Array.from({ length: 20 }, () => knock(ring.clientPort, clients["expired"])));
  expect(before).toBe(1);
  expect((a.stderr().match(/refused client at 127\.0\.0\.1:\d+: certificate has expired/g) ?? []).length).toBe(before);
}, 60_000);
