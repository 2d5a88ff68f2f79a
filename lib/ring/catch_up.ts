/**
 * Catching up from the peers: a node whose files hold no message (new, or its files were
 * lost), whose journal was rebuilt, or which found messages lost to damage, fetches every
 * peer's copy (peer_fetch.ts) and compares them by id: what no copy of its own holds is
 * logged here, and what a peer it reached lacks is sent to that peer. Each message is one
 * {@link Incoming} through the node's ordinary commit, so it is journalled, de-duplicated by
 * id (a message arriving by a link meanwhile is logged once) and delivered like any other.
 *
 * The comparison is pure ({@link compareCopies}); fetching and submitting are at the edge.
 *
 * @module
 */
import { getLogger } from "../log/mod.ts";
import { systemClock } from "../clock.ts";
import type { RingNode } from "../config/mod.ts";
import type { FetchedMessage } from "./peer_fetch.ts";
import type { Incoming } from "./node.ts";

const log = getLogger("zog", "catch-up");

/** What one peer answered: its messages, or why it could not be asked. */
export type PeerCopy = { peer: number; messages: FetchedMessage[] } | { peer: number; error: string };

/** One message to take: logged here when new, and sent to the peers that lack it. */
export interface Missing {
  message: FetchedMessage;
  /** The first peer that holds it (it came from there). */
  from: number;
  /** Whether this node has not seen its id (it is logged here). */
  fresh: boolean;
  /** Peers that were asked and do not hold it. */
  lacking: number[];
}

/**
 * Compares the peers' copies with what this node has seen: every message some copy holds
 * that this node has not seen or a reached peer lacks, in the order the copies list them.
 *
 * @param seen whether this node holds an id
 * @example
 * ```ts
 * const copies: PeerCopy[] = [{ peer: 1, messages: [{ id: "a", origin: "PA", content: "x" }] }, { peer: 2, messages: [] }];
 * compareCopies(copies, () => false); // [{ message: { id: "a", ... }, from: 1, fresh: true, lacking: [2] }]
 * ```
 */
export function compareCopies(copies: readonly PeerCopy[], seen: (id: string) => boolean): Missing[] {
  const reached = copies.filter((c) => "messages" in c) as { peer: number; messages: FetchedMessage[] }[];
  const holders = new Map<string, { message: FetchedMessage; peers: Set<number> }>();
  for (const c of reached) {
    for (const m of c.messages) {
      const h = holders.get(m.id);
      if (h) h.peers.add(c.peer);
      else holders.set(m.id, { message: m, peers: new Set([c.peer]) });
    }
  }
  const out: Missing[] = [];
  for (const [id, h] of holders) {
    const lacking = reached.filter((c) => !h.peers.has(c.peer)).map((c) => c.peer);
    const fresh = !seen(id);
    if (fresh || lacking.length > 0) out.push({ message: h.message, from: h.peers.values().next().value!, fresh, lacking });
  }
  return out;
}

/** What catching up needs of the node. */
export interface CatchUpNode {
  readonly self: RingNode;
  readonly nodes: readonly RingNode[];
  readonly seen: { has(id: string): boolean };
  positionOf(name: string): number | undefined;
  submit(inc: Incoming): void;
}

/**
 * Fetches every peer's copy, compares, and submits what is missing here or at a peer.
 * Returns the line to log (one per catch-up, with what came from where and went where).
 *
 * @param fetch fetches one peer's messages (rejects when it cannot be reached)
 * @param why why the node catches up, for the log
 * @example
 * ```ts
 * declare const node: CatchUpNode, fetch: (peer: RingNode) => Promise<FetchedMessage[]>;
 * log.info(await catchUp(node, fetch, "its files hold no message"));
 * ```
 */
export async function catchUp(node: CatchUpNode, fetch: (peer: RingNode) => Promise<FetchedMessage[]>, why: string): Promise<string> {
  const copies = await peerCopies(node, fetch);
  const missing = compareCopies(copies, (id) => node.seen.has(id));
  const sentTo = new Map<number, number>();
  let logged = 0;
  for (const m of missing) {
    if (m.fresh) logged++;
    for (const p of m.lacking) sentTo.set(p, (sentTo.get(p) ?? 0) + 1);
    node.submit({
      id: m.message.id,
      content: m.message.content,
      from: m.from,
      wrapping: 0,
      origin: node.positionOf(m.message.origin) ?? m.from,
      dests: new Map(m.lacking.map((p) => [p, 0])),
      reply: (error) => error && log.error("catch-up: message {id} not recorded: {error}", { id: m.message.id, error }),
    });
  }
  return summary(node, copies, why, logged, sentTo);
}

/**
 * Every peer's copy, fetched at once: its messages, or why it could not be had.
 *
 * @example
 * ```ts
 * declare const node: CatchUpNode, fetch: (peer: RingNode) => Promise<FetchedMessage[]>;
 * const copies = await peerCopies(node, fetch); // one per peer
 * ```
 */
export function peerCopies(
  node: Pick<CatchUpNode, "self" | "nodes">,
  fetch: (peer: RingNode) => Promise<FetchedMessage[]>,
): Promise<PeerCopy[]> {
  const peers = node.nodes.filter((n) => n.index !== node.self.index);
  return Promise.all(
    peers.map((p) =>
      fetch(p).then(
        (messages): PeerCopy => ({ peer: p.index, messages }),
        (e): PeerCopy => ({ peer: p.index, error: (e as Error).message }),
      ),
    ),
  );
}

function summary(node: CatchUpNode, copies: readonly PeerCopy[], why: string, logged: number, sentTo: Map<number, number>): string {
  const name = (i: number) => node.nodes[i]?.name ?? "?";
  const asked = copies.map((c) => ("messages" in c ? `${name(c.peer)} ${c.messages.length}` : `${name(c.peer)} unreachable (${c.error})`));
  const sent = [...sentTo].map(([p, n]) => `${n} to ${name(p)}`);
  return (
    `catch-up from the peers (${why}): their copies hold ${asked.join(", ")}; ` +
    `${logged} message${logged === 1 ? "" : "s"} this node lacked logged here` +
    (sent.length > 0 ? `; sent on to peers that lacked them: ${sent.join(", ")}` : "; no peer lacked any")
  );
}

/**
 * Resolves once `up()` holds (checked every 100 ms), or rejects after `ms`: a peer is fetched
 * from once this node's link to it is up, so a ring starting together is not found unreachable.
 *
 * @throws {Error} `link to NAME not up within N s`
 * @example
 * ```ts
 * declare const node: { links: { state: string }[] };
 * await whenUp(() => node.links[1]!.state === "up", 10_000, "PA");
 * ```
 */
export function whenUp(up: () => boolean, ms: number, name: string): Promise<void> {
  const started = systemClock.monotonic();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (up()) return resolve();
      if (systemClock.monotonic() - started >= ms) return reject(new Error(`link to ${name} not up within ${ms / 1000} s`));
      systemClock.setTimeout(check, 100);
    };
    check();
  });
}
