/**
 * Comparing the names a peer certificate carries with the names a peer claims.
 *
 * @module
 */
import { isIP } from "../net/ip.ts";

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

/**
 * Whether a peer certificate names one of the expected identities: true when any of
 * `peerNames` (its CN and SAN DNS/IP names) equals any of `expected` (e.g. the node's
 * name and its host). An empty `peerNames` (no verified certificate) never matches.
 *
 * @example
 * ```ts
 * certMatches(["MV", "192.168.152.242"], ["MV", "192.168.152.242"]); // true
 * certMatches(["PA"], ["MV", "192.168.152.242"]); // false
 * ```
 */
export function certMatches(peerNames: string[], expected: string[]): boolean {
  const want = new Set(expected.filter((e) => e !== "").map(canonicalName));
  return peerNames.some((n) => n !== "" && want.has(canonicalName(n)));
}
