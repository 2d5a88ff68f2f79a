/**
 * A certificate directory: DIR/ca.crt + DIR/ca.key, and DIR/NAME.crt + DIR/NAME.key per
 * node, with keys readable by their owner only.
 *
 * @module
 */
import { access, mkdir } from "node:fs/promises";
import { writeFileAtomic } from "../fs/mod.ts";
import { join } from "node:path";
import { type CertPair, generateCa, issueCert } from "./certs.ts";
import { readPem } from "../tls/mod.ts";

/**
 * Checks a certificate name: 1–255 of `[A-Za-z0-9._-]`, not "." or "..", so that
 * `DIR/NAME.crt` stays inside DIR.
 *
 * @throws {TypeError} quoting the name when it is not allowed
 * @example
 * ```ts
 * validateCertName("MV"); // ok
 * validateCertName("../x"); // throws TypeError
 * ```
 */
export function validateCertName(name: string): void {
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(name) || name === "." || name === "..") {
    throw new TypeError(`Certificate name "${name}" is not allowed: use 1-255 of A-Z a-z 0-9 . _ - (not "." or "..")`);
  }
}

/**
 * Creates DIR (if needed) and a new CA in it: DIR/ca.crt and DIR/ca.key (mode 0600).
 *
 * @returns the paths written
 * @throws {Error} when DIR/ca.crt or DIR/ca.key exists and `force` is not set
 * @example
 * ```ts
 * await initCaDir("/etc/zog/tls");
 * ```
 */
export async function initCaDir(dir: string, opts: { force?: boolean } = {}): Promise<string[]> {
  const crt = join(dir, "ca.crt");
  const key = join(dir, "ca.key");
  if (!opts.force) {
    for (const p of [crt, key]) {
      if (await exists(p)) throw new Error(`CA file ${p} already exists (pass --force to replace the CA)`);
    }
  }
  await mkdir(dir, { recursive: true });
  const ca = await generateCa();
  writePair(ca, crt, key);
  return [crt, key];
}

/**
 * Issues DIR/NAME.crt and DIR/NAME.key (mode 0600) signed by the CA in DIR. An earlier
 * certificate or key of that name is replaced only with `force`: a key that a running
 * node uses is not lost to a repeated command.
 *
 * @param hosts IP addresses and DNS names to put in the certificate's SAN
 * @returns the paths written
 * @throws {TypeError} on a bad name or host; {Error} when the CA cannot be read, or when
 *   DIR/NAME.crt or DIR/NAME.key exists and `force` is not set
 * @example
 * ```ts
 * await issueCertInDir("/etc/zog/tls", "MV", ["192.168.152.242"]);
 * ```
 */
export async function issueCertInDir(dir: string, name: string, hosts: string[], opts: { force?: boolean } = {}): Promise<string[]> {
  validateCertName(name);
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (!opts.force) {
    for (const p of [crt, key]) {
      if (await exists(p)) throw new Error(`certificate file ${p} already exists (pass --force to replace it and its key)`);
    }
  }
  const ca: CertPair = {
    certPem: await readPem("CA", join(dir, "ca.crt")),
    keyPem: await readPem("key", join(dir, "ca.key")),
  };
  const leaf = await issueCert(ca, name, hosts);
  writePair(leaf, crt, key);
  return [crt, key];
}

function writePair(pair: CertPair, crtPath: string, keyPath: string): void {
  // A key never sits, even briefly, in a file an earlier run left with wider permissions.
  writeFileAtomic(keyPath, pair.keyPem, { mode: 0o600 });
  writeFileAtomic(crtPath, pair.certPem, { mode: 0o644 });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
