/**
 * Certificates for the benchmark's mutual-TLS runs (`TLS=1`): one CA, a certificate per
 * server naming its loopback address, and one client certificate, all made by `zog certs`.
 * Both the zog ring and the nats-server cluster use them: the same RSA/EC keys, the same
 * handshake work on both sides.
 *
 * @module
 */
import { join } from "node:path";
import { bin, run, tmpDir } from "../../tests/helpers/procs.ts";

/** The files of a benchmark PKI. */
export interface BenchPki {
  dir: string;
  ca: string;
  /** A server's certificate and key, by the name it was issued to. */
  cert(name: string): { cert: string; key: string };
  /** The client certificate ("client"), for RingClient, sprog and the NATS clients. */
  client: { ca: string; cert: string; key: string };
}

async function certs(args: string[]): Promise<void> {
  const r = await run(bin("zog"), ["certs", ...args]);
  if (r.code !== 0) throw new Error(`zog certs ${args.join(" ")} exited with ${r.code}: ${r.stderr.trim()}`);
}

/**
 * Makes a CA, a certificate for each of `names` (naming `hosts[i]` too) and one for a client.
 *
 * @throws {Error} when `zog certs` fails (it says why)
 * @example
 * ```ts
 * const pki = await benchPki(["MV", "PA"], ["127.4.0.11", "127.4.0.12"]);
 * pki.cert("MV").cert; // .../MV.crt
 * ```
 */
export async function benchPki(names: readonly string[], hosts: readonly string[]): Promise<BenchPki> {
  const dir = join(tmpDir("ring-bench-pki-"), "pki");
  await certs(["init", dir]);
  for (const [i, n] of names.entries()) await certs(["issue", dir, n, "--host", hosts[i]!]);
  await certs(["issue", dir, "client"]);
  const cert = (name: string) => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  const ca = join(dir, "ca.crt");
  return { dir, ca, cert, client: { ca, ...cert("client") } };
}
