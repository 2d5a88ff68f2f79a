/**
 * Listeners: client connections that subscribed to the messages this node logs. Each
 * logged message gets this node's sequence number and goes to the store; live listeners
 * get it at once, replays and durable listeners catch up from the store, and work-queue
 * groups hand it to one member each.
 *
 * @module
 */
import type { Conn } from "../net/mod.ts";
import { getLogger } from "../log/mod.ts";
import { ringBytes, RingType } from "./protocol.ts";
import { eventBytes } from "./listen/event.ts";
import { encodeRanges, type SeqRange } from "./listen/ranges.ts";
import type { NewMessage, RingStore } from "./listen/store.ts";
import type { SubscribeRequest } from "./listen/subscribe_request.ts";
import { Subscription } from "./listen/subscription.ts";
import { type GroupMember, WorkGroup } from "./listen/work_group.ts";
import { type PositionRow, positionRow } from "./listen/positions.ts";

const log = getLogger("zog", "listen");

/** What /status shows of the store and the named positions. */
export interface StoreStatus {
  last_seq: number;
  /** The first seq still held (last_seq + 1 when none is). */
  oldest_seq: number;
  bytes: number;
  /** Durable listeners and groups: their position, lag, last seen, and who is connected. */
  positions: PositionRow[];
}

/** How often changed positions are saved; a crash of the node repeats at most this much to a durable listener or group. */
export const POSITION_SAVE_MS = 100;

/** Unsent bytes a live listener may fall behind by before it is dropped (documented). */
export const LISTENER_BUFFER = 4 * 1024 * 1024;

/**
 * The subscribed connections of one node, and its store.
 *
 * @example
 * ```ts
 * declare const store: RingStore;
 * const listeners = new Listeners(store);
 * listeners.subscribe(conn, { prefix: "ALERT", ackWaitMs: 30_000 });
 * listeners.logged([{ id: "id-1", origin: "MV", content: "ALERT disk full" }]);
 * ```
 */
export class Listeners {
  /** Listeners dropped for being too slow. */
  dropped = 0;
  #memorySeq = 0;
  readonly #live = new Set<Subscription>();
  readonly #subs = new Map<Conn, Subscription | { group: WorkGroup; member: GroupMember }>();
  readonly #durables = new Map<string, Subscription>();
  readonly #groups = new Map<string, WorkGroup>();
  readonly #dirty = new Map<string, number>();
  /** When durable listeners and groups were last seen, not yet saved. */
  readonly #seen = new Map<string, number>();
  #saveScheduled = false;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** @param store where messages and positions are kept; without one, live streaming only */
  constructor(readonly store?: RingStore) {}

  /** Connections subscribed now (group members included). */
  get size(): number {
    return this.#subs.size;
  }

  /** The last sequence number given. */
  get lastSeq(): number {
    return this.store?.lastSeq ?? this.#memorySeq;
  }

  /**
   * Subscribes `conn`; returns the vars of the OK that confirms it: `seq` (the last seq
   * logged) and, for a replay, `from` (the first seq it sends) and `skipped` (how many
   * asked for are no longer held).
   *
   * @throws {Error} with the reason to send back (no store, a group's other prefix...)
   */
  subscribe(conn: Conn, req: SubscribeRequest): Record<string, string> {
    if (this.#subs.has(conn)) throw new Error("this connection is subscribed already");
    if (!this.store && (req.since || req.durable || req.group)) throw new Error("this node keeps no store: only live listening");
    const store = this.store!;
    if (req.group !== undefined) return this.#join(conn, req, store);
    const sub = new Subscription(conn, req.prefix, req.durable, this.store, this);
    let from: number | undefined = req.since ? this.#resolveSince(req.since) : undefined;
    if (req.durable !== undefined) {
      const saved = this.#position(sub.key);
      from = saved !== undefined ? saved + 1 : (from ?? store.lastSeq + 1);
      sub.acked = from - 1;
      if (saved === undefined) this.positionChanged(sub.key, sub.acked);
      const old = this.#durables.get(req.durable);
      if (old) {
        log.warn("durable listener {name}: {remote} takes over from {old}", {
          name: req.durable,
          remote: conn.remote,
          old: old.conn.remote,
        });
        old.conn.write(ringBytes(RingType.ERROR, { reason: `durable ${req.durable} was taken over by ${conn.remote}` }));
        old.conn.close();
      }
      this.#durables.set(req.durable, sub);
    }
    this.#subs.set(conn, sub);
    this.#ensureTimer();
    if (req.durable !== undefined) this.#touch(sub.key);
    conn.onClose(() => {
      this.#subs.delete(conn);
      this.#live.delete(sub);
      if (req.durable === undefined || this.#durables.get(req.durable) !== sub) return;
      this.#durables.delete(req.durable);
      this.#touch(sub.key);
    });
    const vars: Record<string, string> = { id: "subscribe", seq: String(this.lastSeq) };
    if (from === undefined) {
      sub.live = true;
      this.#live.add(sub);
      return vars;
    }
    const oldest = store.oldestSeq();
    if (from < oldest) vars.skipped = String(oldest - from);
    vars.from = String(Math.max(from, oldest));
    queueMicrotask(() => sub.replayFrom(Math.max(from, oldest)));
    return vars;
  }

  /** The store's figures and every durable and group position (undefined without a store). */
  status(now = Date.now()): StoreStatus | undefined {
    if (!this.store) return undefined;
    const store = this.store;
    const saved = store.positions();
    for (const [k, v] of this.#dirty) saved.set(k, v);
    const seen = store.seenTimes();
    for (const [k, v] of this.#seen) seen.set(k, v);
    const clock = { lastSeq: store.lastSeq, oldestSeq: store.oldestSeq(), timeOf: (seq: number) => store.timeOf(seq), now };
    const positions = [...saved].map(([key, position]) => {
      const name = key.slice(key.indexOf(":") + 1);
      const group = key.startsWith("group:") ? this.#groups.get(name) : undefined;
      const connected = group ? group.members.length : key.startsWith("durable:") && this.#durables.has(name) ? 1 : 0;
      const inFlight = group ? group.members.reduce((n, m) => n + m.inflight.size, 0) : 0;
      const counts = key.startsWith("group:") ? { group: { redeliveries: group?.redeliveries ?? 0, lateAcks: group?.lateAcks ?? 0 } } : {};
      return positionRow({ key, position, connected, inFlight, seen: seen.get(key), ...counts }, clock);
    });
    return { last_seq: store.lastSeq, oldest_seq: clock.oldestSeq, bytes: store.usedBytes(), positions };
  }

  /**
   * Forgets durable listener or group `name` on this node: its position goes, and it
   * starts anew (at its `since`, or live) if it comes back. One that is connected is
   * refused unless `force`; forced, each of its connections gets ERROR `durable NAME was
   * removed by WHO` (or `group NAME ...`) and is closed. Returns how many were closed.
   *
   * @throws {Error} saying why: no such name here, or connected without `force`
   */
  remove(kind: "durable" | "group", name: string, who: string, force: boolean): { disconnected: number } {
    const key = `${kind}:${name}`;
    const conns = this.#connsOf(kind, name);
    const known = this.#dirty.has(key) || this.store?.position(key) !== undefined || conns.length > 0;
    if (!known) {
      const other = kind === "durable" ? "group" : "durable";
      const hint = this.#connsOf(other, name).length > 0 || this.#position(`${other}:${name}`) !== undefined;
      throw new Error(`no ${kind} "${name}" on this node${hint ? ` (a ${other} has that name: sprog ${other} rm ${name})` : ""}`);
    }
    if (conns.length > 0 && !force)
      throw new Error(
        `${kind} "${name}" is connected (${conns.map((c) => c.remote).join(", ")}): stop it first, or force to disconnect it`,
      );
    const reason = `${kind} ${name} was removed by ${who}`;
    for (const conn of conns) {
      this.#subs.delete(conn);
      conn.write(ringBytes(RingType.ERROR, { reason }));
      conn.close();
    }
    if (kind === "durable") this.#durables.delete(name);
    else this.#groups.delete(name);
    this.#dirty.delete(key);
    this.#seen.delete(key);
    this.store?.deletePosition(key);
    log.warn("{kind} {name} removed by {who}{closed}", {
      kind,
      name,
      who,
      closed: conns.length > 0 ? ` (${conns.length} connection(s) closed)` : "",
    });
    return { disconnected: conns.length };
  }

  /** The connections of durable listener or group `name`. */
  #connsOf(kind: "durable" | "group", name: string): Conn[] {
    if (kind === "durable") {
      const sub = this.#durables.get(name);
      return sub && !sub.conn.closed ? [sub.conn] : [];
    }
    const group = this.#groups.get(name);
    return [...this.#subs].filter(([, s]) => !(s instanceof Subscription) && s.group === group).map(([c]) => c);
  }

  /** Durable listener or group `key` was seen now (saved with the positions). */
  #touch(key: string): void {
    this.#seen.set(key, Date.now());
    this.#scheduleSave();
  }

  /** EVENT_ACK from `conn`: moves a durable position, or releases a group member's messages. */
  ack(conn: Conn, ranges: readonly SeqRange[]): void {
    const s = this.#subs.get(conn);
    if (s instanceof Subscription) s.ack(ranges);
    else if (s) {
      const refused = s.group.ack(s.member, ranges);
      if (refused.length > 0)
        log.info("group {name}: refused {n} late acknowledgements from {remote}: those messages had moved", {
          name: s.group.name,
          n: refused.length,
          remote: conn.remote,
        });
    }
  }

  /**
   * Takes the messages of one access.log append, in order: gives them their seqs in the
   * store (which writes them behind), then streams them. A slow live listener (unsent bytes past {@link LISTENER_BUFFER})
   * is told why and dropped: it never holds up the ring.
   */
  logged(rows: readonly NewMessage[]): void {
    const first = this.#store(rows);
    if (this.#live.size > 0) {
      // One EVENT per message, built once for every listener that wants it.
      const packets: (Uint8Array | undefined)[] = [];
      for (const sub of this.#live) {
        if (sub.conn.bufferedBytes > LISTENER_BUFFER) {
          this.#drop(sub);
          continue;
        }
        for (let i = 0; i < rows.length; i++) {
          if (rows[i]!.content.startsWith(sub.prefix)) sub.conn.write((packets[i] ??= eventBytes(rows[i]!, first + i)));
        }
      }
    }
    for (const g of this.#groups.values()) if (g.members.length > 0) g.pump();
  }

  /** A replay is done: the subscription gets live messages from now on. */
  goLive(sub: Subscription): void {
    if (!sub.conn.closed) this.#live.add(sub);
  }

  /**
   * Marks a position to save: one transaction for all of them at most every
   * {@link POSITION_SAVE_MS} (and at stop), not one per acknowledgement.
   */
  positionChanged(key: string, seq: number): void {
    this.#dirty.set(key, seq);
    this.#seen.set(key, Date.now());
    this.#scheduleSave();
  }

  #scheduleSave(): void {
    if (this.#saveScheduled) return;
    this.#saveScheduled = true;
    setTimeout(() => this.flush(), POSITION_SAVE_MS).unref?.();
  }

  /**
   * A durable listener's or group's position: the one not yet saved when there is one (a
   * listener back within {@link POSITION_SAVE_MS} of its last ack must not get that again).
   */
  #position(key: string): number | undefined {
    return this.#dirty.get(key) ?? this.store?.position(key);
  }

  /** Saves the positions that changed. */
  flush(): void {
    this.#saveScheduled = false;
    if ((this.#dirty.size === 0 && this.#seen.size === 0) || !this.store) return;
    try {
      this.store.savePositions(this.#dirty, this.#seen);
      this.#dirty.clear();
      this.#seen.clear();
    } catch (e) {
      log.error("cannot save listener positions: {error}", { error: (e as Error).message });
    }
  }

  /** Saves positions and stops the timer (at stop). */
  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }

  /** Gives `rows` their seqs (the store writes them behind); returns the seq of the first. */
  #store(rows: readonly NewMessage[]): number {
    if (this.store) return this.store.append(rows);
    this.#memorySeq += rows.length;
    return this.#memorySeq - rows.length + 1;
  }

  #resolveSince(since: NonNullable<SubscribeRequest["since"]>): number {
    if (since === "all") return 1;
    if ("seq" in since) return since.seq;
    return this.store!.seqAtTime(since.ms);
  }

  #join(conn: Conn, req: SubscribeRequest, store: RingStore): Record<string, string> {
    const name = req.group!;
    let group = this.#groups.get(name);
    if (group && group.prefix !== req.prefix)
      throw new Error(`group ${name} takes messages starting with "${group.prefix}", not "${req.prefix}"`);
    if (!group) {
      const key = `group:${name}`;
      const saved = this.#position(key);
      const start = saved !== undefined ? saved + 1 : req.since ? this.#resolveSince(req.since) : store.lastSeq + 1;
      const made: WorkGroup = new WorkGroup(name, req.prefix, start, store, (floor) => {
        if (this.#groups.get(name) === made) this.positionChanged(key, floor); // not once removed
      });
      group = made;
      if (saved === undefined) this.positionChanged(key, start - 1);
      this.#groups.set(name, group);
    }
    const member: GroupMember = {
      deliver: (m) => conn.write(eventBytes(m, m.seq)),
      ackWaitMs: req.ackWaitMs,
      inflight: new Map(),
      moved: (seqs) => {
        log.warn("group {name}: {n} messages of {remote} passed ack_wait, moved to another member", {
          name,
          n: seqs.length,
          remote: conn.remote,
        });
        conn.write(ringBytes(RingType.MOVED, { seqs: encodeRanges(seqs) }));
      },
    };
    const g = group;
    this.#subs.set(conn, { group: g, member });
    this.#ensureTimer();
    this.#touch(`group:${name}`);
    conn.onClose(() => {
      this.#subs.delete(conn);
      g.leave(member);
      if (this.#groups.get(name) === g) this.#touch(`group:${name}`);
    });
    queueMicrotask(() => !conn.closed && g.join(member));
    return { id: "subscribe", seq: String(this.lastSeq), from: String(g.next) };
  }

  #ensureTimer(): void {
    this.#timer ??= setInterval(() => {
      for (const g of this.#groups.values()) g.expire();
    }, 250);
    this.#timer.unref?.();
  }

  #drop(sub: Subscription): void {
    this.#live.delete(sub);
    this.#subs.delete(sub.conn);
    this.dropped++;
    const reason = `listener too slow: more than ${LISTENER_BUFFER} bytes unsent, dropped`;
    log.warn("dropping listener {remote}: {reason}", { remote: sub.conn.remote, reason });
    sub.conn.write(ringBytes(RingType.ERROR, { reason }));
    sub.conn.close();
  }
}
