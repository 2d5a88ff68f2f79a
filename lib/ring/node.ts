/**
 * The zog node: takes DATA from clients and peers, records it (journal, then access.log
 * after forwarding), forwards it by the ring's rule, takes over the duty of peers that are
 * down, and answers OK once the record is durable under the fsync policy.
 *
 * @module
 */
import type { FsyncPolicy, RingNode } from "../config/mod.ts";
import { type Clock, systemClock } from "../clock.ts";
import { getLogger } from "../log/mod.ts";
import { IdSet } from "./dedup.ts";
import { Checkpoint } from "./checkpoint.ts";
import { Durability, PEER_SYNC_MS } from "./durability.ts";
import type { Entry } from "./entry.ts";
import { forwardHops, takeoverHop } from "./forwarding.ts";
import { destsText, journalLine } from "./journal_format.ts";
import { Listeners } from "./listeners.ts";
import type { LogFiles } from "./log_files.ts";
import { errCode } from "../errors.ts";
import { accessLine, compactStamp, errorLine } from "./message.ts";
import type { LinkOwner, PeerLink } from "./peer_link.ts";
import { type AckMode, quorumDests, QUORUM_WIDEN_MS, QuorumWaits } from "./quorum.ts";
import { compactJournal, JOURNAL_COMPACT_BYTES } from "./recovery.ts";

const log = getLogger("zog", "node");

/** A valid DATA waiting for the next commit. */
export interface Incoming {
  id: string;
  content: string;
  /** The message as received (wrapping digit, content, CRLF): forwarded as these bytes. */
  msg?: Uint8Array;
  /** "client", or the position of the peer that sent it. */
  from: "client" | number;
  wrapping: number;
  origin: number;
  /** Called once, as a method: no reason for OK, a reason for ERROR. */
  reply(error?: string): void;
  /** Set at the commit when the id was already held (a duplicate): its OK says so. */
  held?: boolean;
  /** A client's quorum message: OK once a majority holds it, ERROR after this many ms. */
  quorumMs?: number;
  /**
   * A peer's message whose sender waits on this OK to count a majority (its DATA said
   * `sync` = `1`): synced at once, not within {@link PEER_SYNC_MS} like other forwards.
   */
  prompt?: boolean;
  /**
   * Where it goes instead of the forwarding rule's hops (position → wrapping), new or held:
   * a message fetched from peers goes to the peers found to lack it (catch_up.ts).
   */
  dests?: ReadonlyMap<number, number>;
}

/**
 * The error.log line of a failed journal write: how many messages were refused, or, for a
 * commit of acknowledgement records alone, that they are kept to be written again.
 *
 * @param code the write's error code (ENOSPC, EIO, ...)
 * @param messages messages of the commit (each answered ERROR)
 * @example
 * ```ts
 * journalFailure("ENOSPC", 3); // "cannot record: journal write failed: ENOSPC (3 messages answered ERROR)"
 * ```
 */
export function journalFailure(code: string, messages: number): string {
  if (messages === 0)
    return `journal write failed: ${code} (no message waiting; the peers' acknowledgements are kept and written with the next commit)`;
  return `cannot record: journal write failed: ${code} (${messages} message${messages === 1 ? "" : "s"} answered ERROR)`;
}

/** A message's destinations as a map, filled by `set`: half the time of `new Map(pairs)`, whose iterator protocol was 2.5 % of a node's CPU. */
function destMap(pairs: readonly (readonly [number, number])[]): Map<number, number> {
  const dests = new Map<number, number>();
  for (let i = 0; i < pairs.length; i++) dests.set(pairs[i]![0], pairs[i]![1]);
  return dests;
}

/**
 * Where the forwarding rule sends a message from one sender, worked out once: its pairs, the
 * map every such message's entry shares until its destinations change (copied first then:
 * {@link ownDests}), and the journal's text of it.
 */
interface Route {
  pairs: [number, number][];
  dests: Map<number, number>;
  text: string;
}

/** The entry's destinations as a map of its own, to be changed (an entry shares its route's map until then). */
function ownDests(entry: Entry): Map<number, number> {
  if (entry.sharedDests) {
    entry.dests = new Map(entry.dests);
    entry.sharedDests = false;
  }
  return entry.dests;
}

/** Counters shown in /status and /metrics. */
export interface Counters {
  received: number;
  forwarded: number;
  logged: number;
  invalid: number;
  duplicates: number;
  record_errors: number;
  backlog_dropped: number;
}

/** What a {@link ZogNode} is made of. */
export interface ZogNodeOptions {
  self: RingNode;
  nodes: readonly RingNode[];
  files: LogFiles;
  fsync: FsyncPolicy;
  /** What recovery found: the ids seen, the M records in the journal, its size. */
  recovered: { seen: IdSet; seq: number; journalBytes: number };
  /** Makes the link this node dials to `peer`; the node is the link's owner. */
  link: (peer: RingNode, owner: LinkOwner) => PeerLink;
  /** Where logged messages get their seq, are stored, and go to listeners. Default: no store. */
  listeners?: Listeners;
  /** Log stamps and the next turn of the event loop. Default: the system clock. */
  clock?: Clock;
  /** Journal size that triggers compaction (tests make it small). */
  compactBytes?: number;
  /** ring.toml's `ack`: what a client that does not choose gets. Default "local". */
  ack?: AckMode;
  /** Who may administer the node (remove durable listeners and groups). Default: loopback clients. */
  admins?: RingAdmins;
}

/** Who administers a node: with client certificates, those naming one of `names`; else loopback clients. */
export interface RingAdmins {
  /** The client port verifies client certificates (ring.toml `[tls]`, `client_auth` not "none"). */
  clientCerts: boolean;
  /** Certificate names that are admins: `[tls] admins` and the ring's node names. */
  names: readonly string[];
}

/**
 * One node of the ring.
 *
 * @example
 * ```ts
 * import { PeerLink } from "./peer_link.ts";
 * import { recover } from "./recovery.ts";
 * const node = new ZogNode({ self, nodes: config.nodes, files, fsync: "batch", recovered: recover(files), link: (peer, owner) => new PeerLink(peer, owner, { keepaliveMs: 300_000 }) });
 * node.submit({ id, content: text, from: "client", wrapping: 0, origin: self.index, reply: (err) => console.log(err ?? "OK") });
 * ```
 */
export class ZogNode implements LinkOwner {
  readonly counters: Counters = { received: 0, forwarded: 0, logged: 0, invalid: 0, duplicates: 0, record_errors: 0, backlog_dropped: 0 };
  readonly self: RingNode;
  readonly nodes: readonly RingNode[];
  readonly files: LogFiles;
  readonly fsyncPolicy: FsyncPolicy;
  /** Journal size that triggers compaction. */
  readonly compactBytes: number;
  /** Where logged messages get their seq, are stored, and go to listeners. */
  readonly listeners: Listeners;
  /** ring.toml's `ack`: how a client's messages are acknowledged unless it chooses. */
  readonly ackMode: AckMode;
  /** Links each peer dialled to us that are open (its HELLO accepted), by position. */
  readonly inbound: number[] = [];
  /** The link this node dials to each peer, by position (none at its own). */
  readonly links: readonly (PeerLink | undefined)[];
  seen: IdSet;
  /** The seq of the last message journalled (its M record). */
  recorded = 0;
  /** Messages up to this seq are in access.log and the store. */
  #inAccess = 0;
  /** ... and synced there: the journal's L mark. */
  #loggedMark = 0;
  #markWritten = 0;
  #journalBytes = 0;
  #batch: Incoming[] = [];
  #journalLines: string[] = [];
  #accessRetry: Entry[] = [];
  #scheduled = false;
  /** A commit waits for the running group fsync ("batch"). */
  #deferred = false;
  readonly #clock: Clock;
  readonly #durability: Durability;
  readonly #checkpoint: Checkpoint;
  readonly #n: number;
  readonly #positions: Map<string, number>;
  readonly #quorum: QuorumWaits;
  #quorumTimer: unknown;
  /** Who may administer this node. */
  readonly admins: RingAdmins;
  readonly #routes = new Map<"client" | number, Route>();

  /** @param opts what the node is made of: its place in the ring, its files, what recovery found, its links */
  constructor(opts: ZogNodeOptions) {
    this.self = opts.self;
    this.nodes = opts.nodes;
    this.files = opts.files;
    this.fsyncPolicy = opts.fsync;
    this.compactBytes = opts.compactBytes ?? JOURNAL_COMPACT_BYTES;
    this.listeners = opts.listeners ?? new Listeners();
    this.#clock = opts.clock ?? systemClock;
    this.#n = this.nodes.length;
    this.ackMode = opts.ack ?? "local";
    this.admins = opts.admins ?? { clientCerts: false, names: [] };
    this.#quorum = new QuorumWaits(this.#n);
    this.#positions = new Map(this.nodes.map((n) => [n.name, n.index]));
    const state = opts.recovered;
    this.seen = state.seen;
    this.recorded = state.seq;
    this.#inAccess = this.#loggedMark = this.#markWritten = state.seq;
    this.#journalBytes = state.journalBytes;
    this.#durability = this.#makeDurability();
    this.#checkpoint = this.#makeCheckpoint();
    this.links = this.nodes.map((n) => (n.index === this.self.index ? undefined : opts.link(n, this)));
  }

  #makeDurability(): Durability {
    // OK waits for the journal alone: it holds every message, and recovery puts back into
    // access.log and the store what a crash took from them since the last L mark.
    const journal = { sync: () => this.files.sync(), syncNow: () => this.files.syncJournalNow() };
    const durability = new Durability(this.fsyncPolicy, journal, (reason) => log.error(reason), undefined, this.#clock);
    durability.onSynced = () => {
      if (this.#deferred) {
        this.#deferred = false;
        // Not at once: the event loop first reads what arrived during the fsync, so it
        // joins this commit instead of waiting for the next fsync.
        this.#schedule();
      }
    };
    return durability;
  }

  #makeCheckpoint(): Checkpoint {
    return new Checkpoint(
      this.fsyncPolicy,
      // The store writes behind: what it holds in memory is written before the sync vouches for it.
      async () => {
        this.listeners.store?.flush();
        await this.files.syncLogged();
      },
      // Written with the next commit: an L mark never needs a commit (or an fsync) of its own.
      (count) => (this.#loggedMark = count),
      (reason) => log.error(reason),
    );
  }

  /** The fsyncs behind OK: how many, how many on the worker thread, their moving average. */
  get fsyncs(): { count: number; onThread: number; averageMs: number } {
    const d = this.#durability;
    return { count: d.syncs, onThread: d.threadSyncs, averageMs: d.averageMs };
  }

  get selfName(): string {
    return this.self.name;
  }

  readonly originName = (position: number): string => this.nodes[position]?.name ?? "?";

  /** The ring position of the node named `name`, if it is a member. */
  positionOf(name: string): number | undefined {
    return this.#positions.get(name);
  }

  /**
   * `peer`'s link to this node opened (its HELLO accepted): counted while open, for
   * /status, and this node's link to it dials now instead of after its backoff: it is back.
   *
   * @returns what to call once that connection closed
   */
  peerDialledIn(peer: number): () => void {
    this.inbound[peer] = (this.inbound[peer] ?? 0) + 1;
    this.links[peer]?.dialNow();
    return () => void this.inbound[peer]!--;
  }

  /** Records an invalid message in error.log (it is not forwarded). */
  invalid(sender: string, reason: string, msg: Uint8Array): void {
    this.counters.invalid++;
    try {
      this.files.error.append(errorLine(new Date(this.#clock.now()), sender, reason, msg));
    } catch (e) {
      log.error("cannot write error.log: {code}", { code: errCode(e) });
    }
  }

  /** Takes a valid DATA; it is recorded, forwarded and answered at the next commit. */
  submit(inc: Incoming): void {
    this.counters.received++;
    this.#batch.push(inc);
    this.#schedule();
  }

  /**
   * Hands an entry to the links that owe it, taking over for peers that are down. With
   * `later`, the links send it at the next `sendQueued()`.
   */
  dispatch(entry: Entry, later = false): void {
    for (const peer of entry.dests.keys()) {
      const link = this.links[peer];
      if (!link) continue;
      link.enqueue(entry, later);
      if (link.state === "down") this.#takeOver(entry, peer);
    }
  }

  /** A peer is down or hung: every message owed to it with wrapping w ≠ 0 also goes to its +w. */
  linkDown(peer: number): void {
    const link = this.links[peer];
    if (!link) return;
    for (const entry of link.queue.values()) this.#takeOver(entry, peer);
  }

  /** `peer` acknowledged `id` ({@link ackedAll} with one id). */
  acked(peer: number, id: string): void {
    this.ackedAll(peer, [id]);
  }

  /** One journal line for the acknowledgements of one OK_BATCH, not one per message. */
  ackedAll(peer: number, ids: readonly string[]): void {
    if (this.#quorum.size > 0) for (const id of ids) this.#quorum.held(id, peer);
    this.#journalLines.push(journalLine({ kind: "A", peer, ids }));
    this.#schedule();
  }

  sent(count: number): void {
    this.counters.forwarded += count;
  }

  backlogDropped(peer: number, entry: Entry): void {
    this.counters.backlog_dropped++;
    if (this.counters.backlog_dropped % 1000 === 1) {
      log.error("backlog for {peer} is full: dropped message {id} (and {n} so far)", {
        peer: this.nodes[peer]?.name,
        id: entry.id,
        n: this.counters.backlog_dropped,
      });
    }
  }

  /** Writes what is pending now, syncs every file and moves the L mark (at stop). */
  flush(): void {
    if (this.#batch.length > 0 || this.#journalLines.length > 0 || this.#loggedMark !== this.#markWritten) this.#commit();
    this.#durability.settle();
    this.#checkpoint.stop();
    try {
      this.#markNow();
    } catch (e) {
      log.error("cannot fsync: {code}", { code: errCode(e) });
    }
  }

  /**
   * Reopens access.log and error.log (SIGHUP, after logrotate moved them). The L mark moves
   * first, so recovery never looks for lines of the moved file in the new one.
   *
   * @throws {Error} when the new files cannot be opened
   */
  reopenLogs(): void {
    try {
      this.#markNow();
    } catch (e) {
      log.error("cannot fsync before reopening the logs: {code}", { code: errCode(e) });
    }
    this.files.reopen();
  }

  /** Writes the store, syncs every file, then writes and syncs the L mark of what access.log holds. */
  #markNow(): void {
    this.#syncEverything();
    if (this.#inAccess === this.#markWritten) return;
    this.files.journal.append(journalLine({ kind: "L", seq: this.#inAccess }));
    this.files.syncJournalNow();
    this.#loggedMark = this.#markWritten = this.#inAccess;
  }

  /**
   * Writes what the store holds in memory and syncs every file, blocking: access.log and
   * the store then hold every M record, so a pending checkpoint has nothing left to vouch for.
   *
   * @throws {Error} from the store or an fsync
   */
  #syncEverything(): void {
    this.listeners.store?.flush();
    this.files.syncNow();
    this.#checkpoint.reset();
  }

  #takeOver(entry: Entry, peer: number): void {
    if (entry.quorum) return this.#widen(entry);
    const w = entry.dests.get(peer);
    if (!w || entry.takenOver?.has(peer)) return;
    (entry.takenOver ??= new Set()).add(peer);
    const target = takeoverHop(this.#n, { node: peer, wrapping: w })!.node;
    if (target === this.self.index || entry.dests.has(target)) return;
    ownDests(entry).set(target, 0);
    const link = this.links[target];
    link?.enqueue(entry);
  }

  /**
   * A quorum message one of whose peers is down, or whose hops did not all answer in time:
   * their OKs may not make a majority (soon), so it goes to every other node not yet owed it,
   * with wrapping 0 (each answers this node itself; one that gets it twice drops the second
   * by id).
   */
  #widen(entry: Entry): void {
    entry.quorum = false;
    for (const [p, w] of quorumDests(this.#n, this.self.index, [...entry.dests])) {
      if (entry.dests.has(p)) continue;
      ownDests(entry).set(p, w);
      this.links[p]?.enqueue(entry);
    }
  }

  /**
   * Where a duplicate goes again: a client's retry to every other node (the origin may have
   * died half-way; they drop what they have), a peer's with w ≠ 0 to its hops again.
   */
  #againTo(inc: Incoming): [number, number][] {
    if (inc.from !== "client") return this.#route(inc.wrapping).pairs;
    return this.nodes.filter((n) => n.index !== this.self.index).map((n): [number, number] => [n.index, 0]);
  }

  /** Where a message goes by the forwarding rule, from a client or with wrapping w, and its journal text (worked out once). */
  #route(from: "client" | number): Route {
    let r = this.#routes.get(from);
    if (!r) {
      const pairs = forwardHops(this.#n, this.self.index, from).map((h): [number, number] => [h.node, h.wrapping]);
      const dests = destMap(pairs);
      this.#routes.set(from, (r = { pairs, dests, text: destsText(dests) }));
    }
    return r;
  }

  /** A new message, logged as `seq`: its entry, and its M record added to `lines`. */
  #recordNew(inc: Incoming, seq: number, lines: string[]): Entry {
    const route = this.#route(inc.from === "client" ? "client" : inc.wrapping);
    // A quorum message goes to the rule's hops like any other: their OKs and this node's are
    // a majority (quorum.ts); it goes to every node once one of them is down or slow.
    // Messages by the rule share their route's map (entries copy it before changing it).
    const pairs = inc.dests ? [...inc.dests] : route.pairs;
    const dests = inc.dests ? destMap(pairs) : route.dests;
    const entry: Entry = {
      id: inc.id,
      origin: inc.origin,
      content: inc.content,
      msg: inc.msg,
      dests,
      seq,
      sharedDests: dests === route.dests,
    };
    if (inc.quorumMs !== undefined) {
      entry.prompt = true;
      if (!inc.dests) entry.quorum = true;
    }
    const destsText = pairs === route.pairs ? route.text : undefined;
    lines.push(journalLine({ kind: "M", seq, id: inc.id, origin: inc.origin, dests, content: inc.content, destsText }));
    return entry;
  }

  /**
   * A message whose id is held already: counted, answered as held, and forwarded again as a
   * duty (its F record added to `lines`) when it has somewhere to go.
   */
  #duplicate(inc: Incoming, lines: string[]): Entry | undefined {
    this.counters.duplicates++;
    inc.held = true;
    // A client retry may follow an origin that died half-way: send it to everyone
    // (they drop what they have). A peer's duplicate with w ≠ 0 is forwarded again.
    const dests = new Map<number, number>(inc.dests ?? this.#againTo(inc));
    if (dests.size === 0) return undefined;
    lines.push(journalLine({ kind: "F", id: inc.id, origin: inc.origin, dests, content: inc.content }));
    return { id: inc.id, origin: inc.origin, content: inc.content, msg: inc.msg, dests, prompt: inc.quorumMs !== undefined || undefined };
  }

  #schedule(): void {
    if (this.#scheduled || this.#deferred) return;
    this.#scheduled = true;
    this.#clock.nextTurn(() => {
      this.#scheduled = false;
      // Group commit: what arrives while the disk syncs is written (and forwarded) as one
      // batch when it is done, not one small batch per tick each waiting for the next sync.
      if (this.#durability.syncing) this.#deferred = true;
      else this.#commit();
    });
  }

  #commit(): void {
    const batch = this.#batch;
    this.#batch = [];
    const lines = this.#journalLines;
    this.#journalLines = [];
    if (this.#loggedMark !== this.#markWritten) lines.push(journalLine({ kind: "L", seq: this.#loggedMark }));
    const fresh: Entry[] = [];
    const reforward: Entry[] = [];
    const newlySeen: string[] = [];
    let quorum = 0;
    /** Whether a sender waits on an answer: a client, or a peer counting a majority (else the fsync may wait a little). */
    let awaited = false;
    for (const inc of batch) {
      if (inc.quorumMs !== undefined) quorum++;
      if (inc.from === "client" || inc.prompt) awaited = true;
      // One lookup: the id is remembered now unless it was held already (a duplicate).
      if (!this.seen.add(inc.id)) {
        const entry = this.#duplicate(inc, lines);
        if (entry) reforward.push(entry);
        continue;
      }
      newlySeen.push(inc.id);
      fresh.push(this.#recordNew(inc, this.recorded + fresh.length + 1, lines));
    }
    // Where this commit's access.log lines will start: recovery looks for them there.
    const first = this.#accessRetry[0]?.seq ?? fresh[0]?.seq;
    if (first !== undefined) lines.push(journalLine({ kind: "P", seq: first, offset: this.files.accessSize() }));
    const text = lines.join("");
    try {
      this.files.journal.append(text);
      this.#journalBytes += text.length;
      this.#markWritten = this.#loggedMark;
    } catch (e) {
      const reason = `cannot record: journal write failed: ${errCode(e)}`;
      log.error(journalFailure(errCode(e), batch.length));
      for (const id of newlySeen) this.seen.delete(id);
      this.#journalLines.unshift(...lines.filter((l) => l.startsWith("A") || l.startsWith("K")));
      this.counters.record_errors += batch.length;
      for (const inc of batch) inc.reply(reason);
      return;
    }
    this.recorded += fresh.length;
    // Most commits hold no quorum message: then there is nothing to wait for, and no clock to read.
    if (quorum > 0) this.#awaitQuorum(batch, fresh);
    for (const entry of fresh) this.dispatch(entry, true);
    for (const entry of reforward) this.dispatch(entry, true);
    // One DATA_BATCH per peer for the whole commit, not one packet per message.
    for (const link of this.links) link?.sendQueued();
    // The seed's rule (SPEC "Forwarding"): messages are logged AFTER any forwarding. So the
    // forwards are handed to the sockets here, explicitly, and only then is access.log
    // written: the order does not depend on when the links' write coalescers flush.
    for (const link of this.links) link?.flush();
    this.#logAndAnswer(batch, fresh, awaited);
  }

  /**
   * Appends the access lines of a commit, then answers its senders once durable: after the
   * next fsync, which waits up to {@link PEER_SYNC_MS} when no sender is `awaited` (only peers' forwards).
   */
  #logAndAnswer(batch: Incoming[], fresh: Entry[], awaited: boolean): void {
    // While access.log cannot be written nothing is acknowledged, duplicates included:
    // their first copy may be among the lines still waiting to be written.
    const failed = this.#appendAccess(fresh);
    if (failed) {
      this.counters.record_errors += batch.length;
      for (const inc of batch) this.#answer(inc, failed);
    } else if (batch.length > 0) {
      // A commit of acknowledgements (K) and marks (L) only answers nobody: it waits for no
      // fsync of its own (a K or L lost at a crash only repeats a forward, which is dropped
      // as a duplicate); the next group fsync covers it.
      const answer = (error?: string) => {
        for (const inc of batch) this.#answer(inc, error);
      };
      if (awaited) this.#durability.after(answer);
      else this.#durability.afterWithin(answer, PEER_SYNC_MS);
    }
    // Compaction drops M records: not while some are still to be written to access.log.
    if (this.#journalBytes > this.compactBytes && this.#accessRetry.length === 0) this.#compact();
  }

  /**
   * Quorum messages of a recorded batch wait for a majority; expired waits are checked every
   * 100 ms. A message whose hops have not all answered within QUORUM_WIDEN_MS goes to every node.
   */
  #awaitQuorum(batch: Incoming[], fresh: Entry[]): void {
    const now = this.#clock.monotonic();
    for (const inc of batch) if (inc.quorumMs !== undefined) this.#quorum.add(inc.id, now + inc.quorumMs, (error) => inc.reply(error));
    for (const entry of fresh)
      if (entry.quorum)
        this.#quorum.whenSlow(entry.id, now + QUORUM_WIDEN_MS, () => {
          if (entry.quorum) this.#widen(entry);
        });
    if (this.#quorum.size === 0 || this.#quorumTimer !== undefined) return;
    this.#quorumTimer = this.#clock.setInterval(() => {
      this.#quorum.expire(this.#clock.monotonic());
      if (this.#quorum.size > 0) return;
      this.#clock.clearInterval(this.#quorumTimer);
      this.#quorumTimer = undefined;
    }, 100);
  }

  /** This node's answer to `inc` once recorded (no error) or not: a quorum message counts this node as a holder. */
  #answer(inc: Incoming, error?: string): void {
    if (inc.quorumMs === undefined) return inc.reply(error);
    if (error) this.#quorum.failed(inc.id, error);
    else this.#quorum.held(inc.id, this.self.index);
  }

  /** Appends access lines (after forwarding); returns a reason when they could not be written. */
  #appendAccess(entries: Entry[]): string | undefined {
    const all = this.#accessRetry.length > 0 ? [...this.#accessRetry, ...entries] : entries;
    // Nothing to log: no write, and no store transaction for nothing.
    if (all.length === 0) return undefined;
    const stamp = compactStamp(new Date(this.#clock.now()));
    try {
      this.files.access.append(all.map((e) => accessLine(stamp, e.content)).join(""));
    } catch (e) {
      // Kept in order and written with the next batch; their senders get ERROR and retry.
      // The failed write left nothing behind (AppendFile cuts it back), so none is doubled.
      this.#accessRetry = all;
      const reason = `cannot record: access.log write failed: ${errCode(e)}`;
      log.error(reason);
      return reason;
    }
    this.#accessRetry = [];
    this.#inAccess = this.recorded;
    // The L mark moves once access.log and the store are synced (fsync "never": at once).
    this.#checkpoint.logged(this.recorded);
    this.counters.logged += all.length;
    this.listeners.logged(all.map((e) => ({ id: e.id, origin: this.originName(e.origin), content: e.content })));
    return undefined;
  }

  #compact(): void {
    const pending = new Map<string, Entry>();
    for (const link of this.links) {
      for (const e of link?.queue.values() ?? []) {
        const w = e.dests.get(link!.peer.index);
        if (w === undefined) continue;
        let p = pending.get(e.id);
        if (!p) pending.set(e.id, (p = { ...e, dests: new Map() }));
        p.dests.set(link!.peer.index, w);
      }
    }
    try {
      // The M records go: what they vouch for must be on disk in access.log and the store.
      this.#syncEverything();
      this.#journalBytes = compactJournal(this.files, this.seen, pending.values(), this.#inAccess);
      // The V line vouches for what the L mark did.
      this.#loggedMark = this.#markWritten = this.#inAccess;
    } catch (e) {
      log.error("journal compaction failed: {code}", { code: errCode(e) });
      this.#journalBytes = 0;
    }
  }
}
