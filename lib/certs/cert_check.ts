/**
 * `--check` of a program's TLS files, all problems at once: each file readable and PEM, the
 * key the certificate's pair, the certificate naming what its peers dial or expect (a
 * node's host, an emperor's --node), signed by the CA, valid now; expiry within 30 days is
 * a warning.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { certMatches, readPem } from "../tls/mod.ts";

/** Expiry closer than this is a warning. */
const SOON_MS = 30 * 86_400_000;

/** The files to check: a CA, or a certificate and its key, or all three. */
export interface CertFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

/** Which file a problem is about. */
export type CertFileKey = "ca" | "cert" | "key";

/** The problems of one program's TLS files, by the file (ring.toml key, or flag) they come from. */
export interface CertCheck {
  errors: { key: CertFileKey; reason: string }[];
  warnings: { key: CertFileKey; reason: string }[];
}

/** How a problem counts: an error (start, or its peers, would refuse it), or a warning. */
export type CheckLevel = "error" | "warning";

/** What a certificate is checked against, besides its key and its validity. */
export interface CertCheckOptions {
  /** What the certificate must name (one of them); unset: its names are not checked. */
  names?: string[];
  /** Appended to the naming problem: how to get a certificate that names them. */
  namesFix?: string;
  /** How a certificate not naming `names` counts (default "error"; a peer may dial another name). */
  namesLevel?: CheckLevel;
  /** How a certificate not signed by `ca` counts (default "error"; the peer may trust another CA). */
  signedLevel?: CheckLevel;
}

/** The CN and SAN DNS/IP names of a certificate. */
function namesOf(cert: x509.X509Certificate): string[] {
  const cn = cert.subjectName.getField("CN");
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return [...new Set([...cn, ...(san?.names.items.map((n) => n.value) ?? [])])];
}

/** Reads a PEM file, keeping a failure as an error of `key`. */
async function read(out: CertCheck, key: CertFileKey, kind: "CA" | "certificate" | "key", path: string) {
  try {
    return await readPem(kind, path);
  } catch (e) {
    out.errors.push({ key, reason: (e as Error).message });
    return undefined;
  }
}

/** Validity of one certificate at `now`, as errors or a warning of `key`. */
function validity(out: CertCheck, key: CertFileKey, path: string, cert: x509.X509Certificate, now: Date): void {
  if (cert.notAfter.getTime() < now.getTime()) out.errors.push({ key, reason: `${path} expired on ${cert.notAfter.toISOString()}` });
  else if (cert.notBefore.getTime() > now.getTime())
    out.errors.push({ key, reason: `${path} is not valid before ${cert.notBefore.toISOString()}` });
  else if (cert.notAfter.getTime() - now.getTime() < SOON_MS)
    out.warnings.push({ key, reason: `${path} expires on ${cert.notAfter.toISOString()} (within 30 days)` });
}

/**
 * Checks a CA (when given), certificate and key file.
 *
 * @param files the paths (as resolved from ring.toml, or given by flags)
 * @param opts what the certificate must name, and which problems are only warnings
 * @param now the time to check validity at
 * @returns every problem found, by the key of the file
 * @example
 * ```ts
 * const files = { ca: "pki/ca.crt", cert: "pki/MV.crt", key: "pki/MV.key" };
 * const r = await checkCertFiles(files, { names: ["127.0.0.11"], namesFix: ": issue one with --host 127.0.0.11" }, new Date());
 * for (const e of r.errors) console.error(`${e.key}: ${e.reason}`);
 * ```
 */
export async function checkCertFiles(files: CertFiles, opts: CertCheckOptions, now: Date): Promise<CertCheck> {
  const out: CertCheck = { errors: [], warnings: [] };
  const [caPem, certPem, keyPem] = [
    files.ca === undefined ? undefined : await read(out, "ca", "CA", files.ca),
    files.cert === undefined ? undefined : await read(out, "cert", "certificate", files.cert),
    files.key === undefined ? undefined : await read(out, "key", "key", files.key),
  ];
  const ca = caPem ? new x509.X509Certificate(caPem) : undefined;
  const cert = certPem ? new x509.X509Certificate(certPem) : undefined;
  if (ca) validity(out, "ca", files.ca!, ca, now);
  if (!cert) return out;
  validity(out, "cert", files.cert!, cert, now);
  const has = namesOf(cert);
  if (opts.names && !certMatches(has, opts.names)) {
    const reason = `${files.cert} names ${has.join(", ") || "nothing"}, not ${opts.names.join(" or ")}${opts.namesFix ?? ""}`;
    (opts.namesLevel === "warning" ? out.warnings : out.errors).push({ key: "cert", reason });
  }
  if (ca && !(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true })))
    (opts.signedLevel === "warning" ? out.warnings : out.errors).push({
      key: "cert",
      reason: `${files.cert} is not signed by the CA ${files.ca}`,
    });
  if (keyPem) {
    const spki = createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "der" });
    if (!Buffer.from(cert.publicKey.rawData).equals(spki))
      out.errors.push({ key: "key", reason: `${files.key} is not the key of ${files.cert}` });
  }
  return out;
}
