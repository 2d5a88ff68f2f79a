/**
 * Certificate generation for `zeus certs` / `zog certs`: an EC P-256 CA and leaf
 * certificates it signs, built with @peculiar/x509 over WebCrypto, held as PEM strings.
 *
 * @module
 */
// @peculiar/x509 (through tsyringe) needs the reflect-metadata polyfill loaded first: here
// for tests and library users, and by certs_entry.ts before this file for the programs.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { isIP } from "../net/mod.ts";

/** A certificate and its private key, both PEM. */
export interface CertPair {
  /** The certificate, PEM ("BEGIN CERTIFICATE"). */
  certPem: string;
  /** The PKCS#8 private key, PEM ("BEGIN PRIVATE KEY"). */
  keyPem: string;
}

const DAY_MS = 86_400_000;
// Backdated so that a peer whose clock runs a little behind still accepts a fresh cert.
const BACKDATE_MS = 5 * 60_000;
const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Whether `s` can be put in a certificate as a DNS name (dot-separated LDH labels).
 *
 * @example
 * ```ts
 * isDnsName("MV"); // true
 * isDnsName("a_b"); // false
 * ```
 */
export function isDnsName(s: string): boolean {
  return DNS_NAME.test(s) && isIP(s) === 0;
}

/**
 * Creates a self-signed CA valid for 10 years.
 *
 * @param opts.commonName the CA's CN (default "zog CA")
 * @example
 * ```ts
 * const ca = await generateCa();
 * ca.certPem.startsWith("-----BEGIN CERTIFICATE-----"); // true
 * ```
 */
export async function generateCa(opts: { commonName?: string; now?: Date } = {}): Promise<CertPair> {
  const now = opts.now ?? new Date();
  const keys = await crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [opts.commonName ?? "zog CA"] }],
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + 3650 * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKey(keys.privateKey) };
}

/**
 * Issues a leaf certificate for `name`, signed by `ca`, valid for about 2 years, usable as
 * both TLS server and client. SANs: each host (IP addresses as IP SANs, others as DNS),
 * plus `name` itself when it is an IP or a DNS name.
 *
 * @throws {TypeError} when a host is neither an IP address nor a DNS name
 * @example
 * ```ts
 * const ca = await generateCa();
 * const mv = await issueCert(ca, "MV", ["127.0.0.11"]);
 * ```
 */
export async function issueCert(ca: CertPair, name: string, hosts: string[], opts: { now?: Date } = {}): Promise<CertPair> {
  const now = opts.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKey(ca.keyPem);
  const keys = await crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [name] }],
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + 730 * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(subjectAltNames(name, hosts)),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKey(keys.privateKey) };
}

function subjectAltNames(name: string, hosts: string[]): x509.JsonGeneralName[] {
  for (const h of hosts) {
    if (isIP(h) === 0 && !isDnsName(h)) {
      throw new TypeError(`Host "${h}" is neither an IP address nor a DNS name`);
    }
  }
  const all = [...hosts];
  if (isIP(name) !== 0 || isDnsName(name)) all.push(name);
  const unique = [...new Set(all)];
  return unique.map((h) => ({ type: isIP(h) === 0 ? "dns" : "ip", value: h }));
}

// Positive 128-bit serial: RFC 5280 wants it unique per CA and at most 20 octets.
function randomSerial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x10;
  return Buffer.from(b).toString("hex");
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY") + "\n";
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return crypto.subtle.importKey("pkcs8", der, EC_KEY, false, ["sign"]);
}
