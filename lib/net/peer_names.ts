/**
 * The names a peer certificate carries, as `Conn.peerNames` exposes them.
 *
 * @module
 */
import type { PeerCertificate } from "node:tls";
import { isIP } from "./ip.ts";

/**
 * The CN and the DNS and IP subject alternative names of a certificate, in that order,
 * without duplicates; IPv6 addresses compressed ("::1"). Empty for an empty certificate.
 *
 * @example
 * ```ts
 * peerNames({ subject: { CN: "MV" }, subjectaltname: "DNS:MV, IP Address:127.0.0.11" } as PeerCertificate);
 * // ["MV", "127.0.0.11"]
 * ```
 */
export function peerNames(cert: PeerCertificate | null | undefined): string[] {
  if (!cert) return [];
  const names: string[] = [];
  const cn: unknown = cert.subject?.CN;
  for (const c of Array.isArray(cn) ? cn : [cn]) {
    if (typeof c === "string" && c !== "") names.push(c);
  }
  for (const entry of (cert.subjectaltname ?? "").split(", ")) {
    const m = /^(DNS|IP Address):(.+)$/.exec(entry);
    if (m) names.push(m[1] === "DNS" ? m[2]! : canonicalName(m[2]!));
  }
  return [...new Set(names)];
}

/**
 * Canonical form of a certificate or host name, so that equal names compare equal:
 * DNS names are lower-cased (they are case-insensitive), IPv6 addresses compressed
 * (OpenSSL prints "0:0:0:0:0:0:0:1" where a config says "::1").
 *
 * @example
 * ```ts
 * canonicalName("0:0:0:0:0:0:0:1"); // "::1"
 * canonicalName("Node-1.Example"); // "node-1.example"
 * ```
 */
export function canonicalName(name: string): string {
  const bare = name.startsWith("[") && name.endsWith("]") ? name.slice(1, -1) : name;
  if (isIP(bare) === 6) return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  return bare.toLowerCase();
}
