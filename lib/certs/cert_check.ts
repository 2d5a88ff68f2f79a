/**
 * `--check` of a node's TLS files, all problems at once: each file readable and PEM, the
 * key the certificate's pair, the certificate naming the node (its name, host or IP),
 * signed by the CA, valid now; expiry within 30 days is a warning.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { certMatches, readPem } from "../tls/mod.ts";

/** Expiry closer than this is a warning. */
const SOON_MS = 30 * 86_400_000;

/** The problems of one node's TLS files, by the ring.toml key they come from. */
export interface CertCheck {
  errors: { key: "ca" | "cert" | "key"; reason: string }[];
  warnings: { key: "ca" | "cert" | "key"; reason: string }[];
}

/** The CN and SAN DNS/IP names of a certificate. */
function namesOf(cert: x509.X509Certificate): string[] {
  const cn = cert.subjectName.getField("CN");
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return [...new Set([...cn, ...(san?.names.items.map((n) => n.value) ?? [])])];
}

/** Reads a PEM file, keeping a failure as an error of `key`. */
async function read(out: CertCheck, key: "ca" | "cert" | "key", kind: "CA" | "certificate" | "key", path: string) {
  try {
    return await readPem(kind, path);
  } catch (e) {
    out.errors.push({ key, reason: (e as Error).message });
    return undefined;
  }
}

/** Validity of one certificate at `now`, as errors or a warning of `key`. */
function validity(out: CertCheck, key: "ca" | "cert", path: string, cert: x509.X509Certificate, now: Date): void {
  if (cert.notAfter.getTime() < now.getTime()) out.errors.push({ key, reason: `${path} expired on ${cert.notAfter.toISOString()}` });
  else if (cert.notBefore.getTime() > now.getTime())
    out.errors.push({ key, reason: `${path} is not valid before ${cert.notBefore.toISOString()}` });
  else if (cert.notAfter.getTime() - now.getTime() < SOON_MS)
    out.warnings.push({ key, reason: `${path} expires on ${cert.notAfter.toISOString()} (within 30 days)` });
}

/**
 * Checks a node's CA, certificate and key files.
 *
 * @param files the paths (as resolved from ring.toml)
 * @param names what the certificate must name (one of): the node's name and host
 * @param now the time to check validity at
 * @returns every problem found, by the key of the file
 * @example
 * ```ts
 * const r = await checkCertFiles({ ca: "pki/ca.crt", cert: "pki/MV.crt", key: "pki/MV.key" }, ["MV", "127.0.0.11"], new Date());
 * for (const e of r.errors) console.error(`${e.key}: ${e.reason}`);
 * ```
 */
export async function checkCertFiles(files: { ca: string; cert: string; key: string }, names: string[], now: Date): Promise<CertCheck> {
  const out: CertCheck = { errors: [], warnings: [] };
  const [caPem, certPem, keyPem] = [
    await read(out, "ca", "CA", files.ca),
    await read(out, "cert", "certificate", files.cert),
    await read(out, "key", "key", files.key),
  ];
  const ca = caPem ? new x509.X509Certificate(caPem) : undefined;
  const cert = certPem ? new x509.X509Certificate(certPem) : undefined;
  if (ca) validity(out, "ca", files.ca, ca, now);
  if (!cert) return out;
  validity(out, "cert", files.cert, cert, now);
  const has = namesOf(cert);
  if (!certMatches(has, names))
    out.errors.push({ key: "cert", reason: `${files.cert} names ${has.join(", ") || "nothing"}, not ${names.join(" or ")}` });
  if (ca && !(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true })))
    out.errors.push({ key: "cert", reason: `${files.cert} is not signed by the CA ${files.ca}` });
  if (keyPem) {
    const spki = createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "der" });
    if (!Buffer.from(cert.publicKey.rawData).equals(spki))
      out.errors.push({ key: "key", reason: `${files.key} is not the key of ${files.cert}` });
  }
  return out;
}
