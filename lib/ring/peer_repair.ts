/**
 * A running node's repairs from its peers: catching up at start (catch_up.ts) and mending
 * stored rows that fail their checksum (mend_rows.ts), both from the peers' copies fetched
 * over the peer port (peer_fetch.ts), each peer once this node's link to it is up.
 *
 * @module
 */
import type { RingNode } from "../config/mod.ts";
import type { TlsClientFiles } from "../tls/mod.ts";
import { getLogger } from "../log/mod.ts";
import { catchUp, type CatchUpNode, peerCopies, whenUp } from "./catch_up.ts";
import { RowMender } from "./mend_rows.ts";
import { type FetchedMessage, type FetchFrom, fetchFromPeer } from "./peer_fetch.ts";
import type { RingStore } from "./listen/store.ts";
import type { ZogNode } from "./node.ts";
import type { CatchUpPlan } from "./startup.ts";

const log = getLogger("zog", "repair");

/** How long catching up waits for the link to each peer before leaving that peer out. */
export const CATCH_UP_WAIT_MS = 10_000;

/**
 * The most messages taken from one peer's copy when catching up: a node holds at most this
 * many of each peer's in memory; a new node of a ring with a longer history gets
 * its last 200 000 messages.
 */
export const CATCH_UP_MAX = 200_000;

/** How long mending a row waits for the link to each peer. */
export const MEND_WAIT_MS = 5000;

/** What {@link startPeerRepair} works with. */
export interface PeerRepairOptions {
  node: ZogNode;
  store: RingStore;
  /** The node's TLS client files (its peers' ports are mutual TLS). */
  tls?: TlsClientFiles;
  /** Set when the node catches up at start. */
  catchUp?: CatchUpPlan;
  /** Whether the node still runs (a stopped node takes nothing more). */
  running: () => boolean;
  /** Called once the catch-up is over, done or given up: one-off work whose pages a quiet node drops again. */
  settle?: () => void;
}

/**
 * Starts catching up (when planned) and mending damaged rows as the store finds them.
 * Returns what stops the mending.
 *
 * @example
 * ```ts
 * declare const node: ZogNode, store: RingStore;
 * const stop = startPeerRepair({ node, store, running: () => true });
 * stop();
 * ```
 */
export function startPeerRepair(opts: PeerRepairOptions): () => void {
  const { node, store } = opts;
  const fetcher =
    (waitMs: number, what: Pick<FetchFrom, "sinceMs" | "max" | "keep">) =>
    async (peer: RingNode): Promise<FetchedMessage[]> => {
      await whenUp(() => node.links[peer.index]?.state === "up" || !opts.running(), waitMs, peer.name);
      const tls = opts.tls ? { tls: opts.tls } : {};
      return fetchFromPeer({ host: peer.host, port: peer.peerPort, self: node.self.name, peer, ...tls, ...what });
    };
  const names = node.nodes.map((n) => n.name);
  // Mending keeps only the ids it looks for, however long ago the damaged rows were logged.
  const copiesOf = (sinceMs: number, ids: ReadonlySet<string>) =>
    peerCopies(node, fetcher(MEND_WAIT_MS, { sinceMs, keep: (m) => ids.has(m.id) }));
  const mender = new RowMender(store, copiesOf, names, (line, ok) => (ok ? log.warn(line) : log.error(line)));
  store.onDamaged = (seq) => mender.damaged(seq);
  // Rows found failing their checksum before now (at start) that the journal could not mend.
  for (const seq of store.damagedSeqs) mender.damaged(seq);
  const plan = opts.catchUp;
  if (plan) {
    log.info("catching up from the peers: {why}", { why: plan.why });
    const target: CatchUpNode = {
      self: node.self,
      nodes: node.nodes,
      seen: { has: (id) => node.seen.has(id) },
      positionOf: (name) => node.positionOf(name),
      submit: (inc) => void (opts.running() && node.submit(inc)),
    };
    catchUp(target, fetcher(CATCH_UP_WAIT_MS, { sinceMs: plan.sinceMs, max: CATCH_UP_MAX }), plan.why).then(
      (line) => (log.info(line), opts.settle?.()),
      (e) => (log.error("catching up from the peers failed: {error}", { error: (e as Error).message }), opts.settle?.()),
    );
  }
  return () => {
    store.onDamaged = undefined;
    mender.stop();
  };
}
