/**
 * Test PKI built in memory with lib/certs/certs.ts: a CA with a server and a client
 * certificate, a second CA ("other") the first does not trust, and helpers to make
 * TLS option sets from them.
 *
 * @module
 */
import { type CertPair, generateCa, issueCert } from "../../lib/certs/certs.ts";

/** The certificates the TLS tests use. */
export interface Pki {
  ca: CertPair;
  /** Names 127.0.0.1, ::1, localhost, "server". */
  server: CertPair;
  /** Names 127.0.0.2 and "wrong-host" only. */
  wrongHost: CertPair;
  /** CN "client-1", signed by `ca`. */
  client: CertPair;
  /** Another CA and a client it signed, also naming 127.0.0.1. */
  otherCa: CertPair;
  otherClient: CertPair;
}

let cached: Promise<Pki> | undefined;

/**
 * The PKI, generated once per test process.
 *
 * @example
 * ```ts
 * const { ca, server } = await testPki();
 * ```
 */
export function testPki(): Promise<Pki> {
  cached ??= (async () => {
    const ca = await generateCa({ commonName: "test CA" });
    const otherCa = await generateCa({ commonName: "other CA" });
    return {
      ca,
      server: await issueCert(ca, "server", ["127.0.0.1", "::1", "localhost"]),
      wrongHost: await issueCert(ca, "wrong-host", ["127.0.0.2"]),
      client: await issueCert(ca, "client-1", []),
      otherCa,
      otherClient: await issueCert(otherCa, "client-1", ["127.0.0.1"]),
    };
  })();
  return cached;
}
