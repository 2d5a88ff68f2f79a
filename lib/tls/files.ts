/**
 * TLS material loaded from PEM files, in the shapes the transport (`lib/net`) takes.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { errCode, UsageError } from "../errors.ts";
import type { ClientAuth, TlsClientFiles, TlsServerFiles } from "../net/mod.ts";

export type { ClientAuth, TlsClientFiles, TlsServerFiles } from "../net/mod.ts";

/** What a PEM file holds, as named in error messages. */
export type PemKind = "CA" | "certificate" | "key";

const MARKERS: Record<PemKind, RegExp> = {
  CA: /-----BEGIN CERTIFICATE-----/,
  certificate: /-----BEGIN CERTIFICATE-----/,
  key: /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/,
};

/**
 * Reads one PEM file and checks it holds what it should.
 *
 * @param kind what the file is, for the error message
 * @throws {UsageError} "cannot read TLS key /x/y.key: ENOENT" when the file cannot be read,
 *   or when it holds no PEM block of that kind (a wrong path given: exit 2, like a bad flag)
 * @example
 * ```ts
 * const ca = await readPem("CA", "/etc/zog/ca.crt");
 * ```
 */
export async function readPem(kind: PemKind, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = errCode(err);
    throw new UsageError(`cannot read TLS ${kind} ${path}: ${code}`);
  }
  if (!MARKERS[kind].test(text)) {
    throw new UsageError(`TLS ${kind} ${path} is not a PEM ${kind === "key" ? "private key" : "certificate"}`);
  }
  return text;
}

/**
 * Loads the files of a TLS server. `clientAuth` defaults to "required" when a CA is
 * given and "none" otherwise.
 *
 * @throws {TypeError} when client auth is asked for without a CA
 * @throws {Error} when a file cannot be read (see {@link readPem})
 * @example
 * ```ts
 * const tls = await loadServerFiles({ cert: "zeus.crt", key: "zeus.key", ca: "clients.pem" });
 * ```
 */
export async function loadServerFiles(paths: { cert: string; key: string; ca?: string; clientAuth?: ClientAuth }): Promise<TlsServerFiles> {
  const clientAuth = paths.clientAuth ?? (paths.ca ? "required" : "none");
  if (clientAuth !== "none" && !paths.ca) {
    throw new TypeError(`Client auth "${clientAuth}" needs a CA file to verify clients against`);
  }
  const [cert, key, ca] = await Promise.all([
    readPem("certificate", paths.cert),
    readPem("key", paths.key),
    paths.ca ? readPem("CA", paths.ca) : undefined,
  ]);
  return ca === undefined ? { cert, key, clientAuth } : { cert, key, ca, clientAuth };
}

/**
 * Loads the files of a TLS client; a certificate needs its key and the other way round.
 *
 * @throws {TypeError} when only one of cert and key is given
 * @throws {Error} when a file cannot be read (see {@link readPem})
 * @example
 * ```ts
 * const tls = await loadClientFiles({ ca: "ca.crt", cert: "node1.crt", key: "node1.key" });
 * ```
 */
export async function loadClientFiles(paths: { ca?: string; cert?: string; key?: string; serverName?: string }): Promise<TlsClientFiles> {
  if (!paths.cert !== !paths.key) {
    throw new TypeError(`A client certificate needs both cert and key, got only "${paths.cert ?? paths.key}"`);
  }
  const out: TlsClientFiles = {};
  if (paths.ca) out.ca = await readPem("CA", paths.ca);
  if (paths.cert) out.cert = await readPem("certificate", paths.cert);
  if (paths.key) out.key = await readPem("key", paths.key);
  if (paths.serverName) out.serverName = paths.serverName;
  return out;
}
