/**
 * `zog verify --peer HOST:PORT`: a node's access.log compared with a peer's copy of the
 * ring's messages (fetched over the peer protocol, peer_fetch.ts). Every message is logged
 * once on every node, so the two must hold the same contents the same number of times;
 * access.log lines carry no id, so contents are compared, counted.
 *
 * @module
 */
import type { FetchedMessage } from "./peer_fetch.ts";

/** What the comparison found: one line per difference, then a summary. */
export interface PeerComparison {
  lines: string[];
  /** Whether anything differs. */
  differs: boolean;
}

/**
 * Compares access.log's contents (in file order, line 1 first) with a peer's messages.
 *
 * @param contents each access.log line's content (its stamp removed)
 * @param peer the peer's copy, and `peerName` for the lines
 * @example
 * ```ts
 * comparePeer(["a", "a"], [{ id: "1", origin: "MV", content: "a" }], "PA").lines;
 * // ['access.log:2: "a" is here 2 times, PA holds it 1 time',
 * //  "access.log: 2 lines compared with PA's copy of 1 messages: 0 missing here, 1 more here than at PA"]
 * ```
 */
export function comparePeer(contents: readonly string[], peer: readonly FetchedMessage[], peerName: string): PeerComparison {
  const at = new Map<string, number[]>();
  contents.forEach((c, i) => {
    const lines = at.get(c);
    if (lines) lines.push(i + 1);
    else at.set(c, [i + 1]);
  });
  const there = new Map<string, number>();
  for (const m of peer) there.set(m.content, (there.get(m.content) ?? 0) + 1);
  const out: string[] = [];
  let missing = 0;
  let extra = 0;
  const times = (n: number) => `${n} time${n === 1 ? "" : "s"}`;
  for (const [content, n] of there) {
    const here = at.get(content)?.length ?? 0;
    if (here >= n) continue;
    missing += n - here;
    out.push(`access.log: ${JSON.stringify(content)} is missing: here ${times(here)}, ${peerName} holds it ${times(n)}`);
  }
  for (const [content, lines] of at) {
    const n = there.get(content) ?? 0;
    if (lines.length <= n) continue;
    extra += lines.length - n;
    // The later copies are the extra ones.
    for (const line of lines.slice(n))
      out.push(`access.log:${line}: ${JSON.stringify(content)} is here ${times(lines.length)}, ${peerName} holds it ${times(n)}`);
  }
  out.push(
    `access.log: ${contents.length} lines compared with ${peerName}'s copy of ${peer.length} messages: ${missing} missing here, ${extra} more here than at ${peerName}`,
  );
  return { lines: out, differs: missing + extra > 0 };
}
