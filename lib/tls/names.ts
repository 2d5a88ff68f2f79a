/**
 * Comparing the names a peer certificate carries with the names a peer claims.
 *
 * @module
 */
import { canonicalName } from "../net/mod.ts";

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
