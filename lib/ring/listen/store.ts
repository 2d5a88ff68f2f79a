/**
 * The node's store, in its state folder: every message the node logged, under its sequence
 * number, for replay, in append-only segment files (`messages/`, segment_log.ts); and in
 * `store.db` (SQLite in WAL mode) the positions of durable listeners and work-queue groups
 * and the numbering's marks. access.log stays the operator's file; this is the node's.
 *
 * Messages are written behind: a message gets its seq at once and is readable at once (from
 * memory), and goes to its segment with many others in one write ({@link WRITE_ROWS}
 * rows, or after {@link WRITE_DELAY_MS}). The journal holds every message until the L
 * mark moves, and the node moves it only after {@link RingStore.flush} and a sync of the
 * segment, so a crash loses nothing the next start does not put back.
 *
 * @module
 */
import { Database, type Statement } from "bun:sqlite";
import { closeSync, fsyncSync, openSync } from "node:fs";
import { join } from "node:path";
import { getLogger } from "../../log/mod.ts";
import { positionSum } from "./row_check.ts";
import { recordBytes } from "./segment_format.ts";
import { SegmentLog, type SyncSet, type WriteAt } from "./segment_log.ts";
import { moveMessages } from "./store_migrate.ts";
import type { Retain } from "../../config/mod.ts";

const log = getLogger("zog", "store");

/** A logged message as the store holds it. */
export interface StoredMessage {
  /** This node's sequence number: 1, 2, 3 ..., never reused. */
  seq: number;
  /** When this node logged it (ms since the epoch, never decreasing). */
  ts: number;
  id: string;
  /** Name of the node a client handed it to. */
  origin: string;
  /** The content: no wrapping digit, no CRLF. */
  content: string;
}

/** A message to store: seq and time are given by the store. */
export type NewMessage = Pick<StoredMessage, "id" | "origin" | "content">;

/** The folder of the segment files, beside store.db. */
export const SEGMENTS_DIR = "messages";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS positions (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, crc INTEGER);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS seen (name TEXT PRIMARY KEY, at INTEGER NOT NULL);
`;

/** Messages let go per call when retention trims, so the node never stalls long. */
const PRUNE_CHUNK = 20_000;

/**
 * Messages waiting in memory that make a write at once. One transaction per commit (50-60
 * messages at 13 000 msg/s) rewrote 4-5 pages of SQLite's WAL for 5 KB of rows, and was a
 * sixth of a five-node ring's CPU per message, when SQLite held them.
 */
export const WRITE_ROWS = 1024;

/** How long a message may wait in memory for its write (a durable store). */
export const WRITE_DELAY_MS = 20;

/**
 * One node's store.
 *
 * @example
 * ```ts
 * const store = RingStore.open("/var/lib/zog/MV");
 * const first = store.append([{ id: "c5-1", origin: "MV", content: "hello" }]); // its seq
 * store.read(first, 100); // [{ seq, ts, id, origin, content }]
 * ```
 */
export class RingStore {
  /** The last sequence number given (0 before the first message). */
  lastSeq: number;
  #lastTs: number;
  #walFd: number | undefined;
  /** Messages given a seq and not yet written: seqs lastSeq - length + 1 ... lastSeq. */
  #pending: StoredMessage[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The last write failed (logged once until one succeeds). */
  #failing = false;
  /** Messages before this seq are no longer held (retention), though their segment may still be on disk. */
  #firstSeq: number;
  /** store.db's WAL was written since the node last synced it (the segments keep their own account). */
  #walWritten = true;
  /** The seq of the first record held (0: none written), found once. */
  #oldestWritten: number | undefined;
  /** What opening found and did (a torn tail cut, messages moved from an older store), for the log. */
  readonly notes: string[];
  readonly #db: Database;
  readonly #log: SegmentLog;
  readonly #setMeta: Statement;

  private constructor(
    db: Database,
    log: SegmentLog,
    readonly path: string,
    /** Whether messages wait in memory for a larger write (a store that syncs). */
    readonly writeBehind: boolean,
  ) {
    this.#db = db;
    this.#log = log;
    db.exec(SCHEMA);
    addChecksumColumn(db);
    this.#setMeta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    const moved = moveMessages(db, log);
    this.notes = [...log.notes, ...(moved > 0 ? [`store: ${moved} messages moved from ${path} into segment files (${log.dir})`] : [])];
    const meta = (key: string) => (db.query("SELECT value FROM meta WHERE key = ?").get(key) as { value: number } | null)?.value ?? 0;
    this.lastSeq = Math.max(meta("last_seq"), log.lastSeq);
    this.#lastTs = log.lastTs;
    this.#firstSeq = meta("first_seq");
  }

  /**
   * Opens (or creates) the store in `dir`: `store.db` and the segments in `messages/` (those
   * of an older store.db moved there, once). With `durable` false (fsync "never") nothing
   * syncs and each append is written at once (the node's L mark moves without waiting for
   * a sync then); otherwise messages are written behind. `writeAt` replaces how segment
   * bytes are written (a test makes writes fail with it).
   *
   * @throws {Error} "cannot open the store DIR/store.db: ..." when it cannot be used
   */
  static open(dir: string, opts: { durable?: boolean; writeAt?: WriteAt } = {}): RingStore {
    const path = join(dir, "store.db");
    let db: Database | undefined;
    try {
      db = new Database(path, { create: true, strict: true });
      db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${opts.durable === false ? "OFF" : "NORMAL"}; PRAGMA busy_timeout = 1000;`);
      const durable = opts.durable !== false;
      const log = SegmentLog.open(join(dir, SEGMENTS_DIR), { ...(opts.writeAt ? { writeAt: opts.writeAt } : {}), deferSync: durable });
      return new RingStore(db, log, path, durable);
    } catch (e) {
      db?.close();
      throw new Error(`cannot open the store ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Gives messages their seqs, in order, and returns the seq of the first; they are
   * readable at once and written with the next write. Times never go backwards, so a time
   * maps to a seq by bisection. A write that fails (disk full...) is logged and retried
   * with the next one: nothing is lost or reordered.
   */
  append(rows: readonly NewMessage[], now = Date.now()): number {
    const first = this.lastSeq + 1;
    const ts = (this.#lastTs = Math.max(now, this.#lastTs));
    for (const r of rows) this.#pending.push({ seq: ++this.lastSeq, ts, id: r.id, origin: r.origin, content: r.content });
    if (!this.writeBehind || this.#pending.length >= WRITE_ROWS) this.#tryFlush();
    else this.#timer ??= setTimeout(() => this.#tryFlush(), WRITE_DELAY_MS);
    return first;
  }

  /** How many messages wait in memory for their write. */
  get unwritten(): number {
    return this.#pending.length;
  }

  /**
   * Writes every message waiting in memory, with one write.
   *
   * @throws {Error} from the write (disk full...); then they stay in memory, in order
   */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const rows = this.#pending;
    this.#write(rows);
    // What arrived during the write (nothing: it is synchronous) stays.
    this.#pending = this.#pending === rows ? [] : this.#pending.slice(rows.length);
    if (this.#failing) log.info("store written again ({n} messages that waited)", { n: rows.length });
    this.#failing = false;
  }

  #write(rows: readonly StoredMessage[]): void {
    this.#log.append(rows);
    if (this.#oldestWritten === 0) this.#oldestWritten = undefined;
  }

  #tryFlush(): void {
    try {
      this.flush();
    } catch (e) {
      if (!this.#failing)
        log.error("cannot write the store: {error} ({n} messages wait in memory)", {
          error: (e as Error).message,
          n: this.#pending.length,
        });
      this.#failing = true;
      // Tried again with the next append, or after the delay when none comes.
      this.#timer ??= setTimeout(() => this.#tryFlush(), WRITE_DELAY_MS * 10);
    }
  }

  /**
   * Up to `limit` messages from `fromSeq` on, in seq order (written or still in memory). A
   * message that fails its checksum is left out (and reported once, {@link damagedSeqs}):
   * fewer than `limit` means the end was reached.
   */
  read(fromSeq: number, limit: number): StoredMessage[] {
    const firstPending = this.lastSeq - this.#pending.length + 1;
    const rows: StoredMessage[] = [];
    const from = Math.max(fromSeq, this.#firstSeq);
    if (from < firstPending && limit > 0)
      this.#log.read(
        from,
        (r) => {
          if (r.kind === "damaged") this.#damaged(r.seq);
          else if (r.row.seq >= firstPending) return false;
          else rows.push(r.row);
          return rows.length < limit;
        },
        // A few records are read with a small read (a group's redelivery reads one).
        Math.max(4096, limit * 256),
      );
    if (rows.length < limit && this.#pending.length > 0) {
      const at = Math.max(fromSeq, firstPending) - firstPending;
      for (let i = at; i < this.#pending.length && rows.length < limit; i++) rows.push(this.#pending[i]!);
    }
    return rows;
  }

  /** Seqs of messages found failing their checksum so far (each logged once). */
  readonly damagedSeqs = new Set<number>();

  /** Hears of each message found failing its checksum when read, once (the node mends it from its peers: mend_rows.ts). */
  onDamaged: ((seq: number) => void) | undefined;

  #damaged(seq: number): void {
    if (this.damagedSeqs.has(seq)) return;
    this.damagedSeqs.add(seq);
    log.warn("store {path}: message {seq} fails its checksum: not served", { path: this.#log.dir, seq });
    this.onDamaged?.(seq);
  }

  /**
   * A message's seq, time and id as they are on disk, checksum or not: what a damaged record
   * still says of itself, to look it up in the peers' copies.
   */
  unchecked(seq: number): { seq: number; ts: number; id: string } | undefined {
    return seq < this.#firstSeq ? undefined : this.#log.find(seq);
  }

  /** The first seq still held (lastSeq + 1 when the store is empty). */
  oldestSeq(): number {
    const written = (this.#oldestWritten ??= this.#firstRecord());
    return written > 0 ? written : this.lastSeq - this.#pending.length + 1;
  }

  #firstRecord(): number {
    let seq = 0;
    this.#log.read(
      this.#firstSeq,
      (r) => {
        seq = r.kind === "row" ? r.row.seq : r.seq;
        return false;
      },
      4096,
    );
    return seq;
  }

  /** The first seq logged at or after `ms` (lastSeq + 1 when none is). */
  seqAtTime(ms: number): number {
    const oldest = this.oldestSeq();
    const written = this.#log.seqAtTime(ms);
    // Times never decrease: a message before the oldest held at or after `ms` means the oldest is too.
    if (written !== undefined) return Math.max(written, oldest);
    const firstPending = this.lastSeq - this.#pending.length + 1;
    let lo = 0;
    let hi = this.#pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#pending[mid]!.ts >= ms) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.#pending.length ? Math.max(firstPending + lo, oldest) : this.lastSeq + 1;
  }

  /**
   * At start: adds messages under the seqs the journal gave them (ascending, past
   * lastSeq), written at once.
   */
  put(rows: readonly { seq: number; id: string; origin: string; content: string }[]): void {
    if (rows.length === 0) return;
    this.flush();
    const ts = (this.#lastTs = Math.max(Date.now(), this.#lastTs));
    this.#write(rows.map((r) => ({ ...r, ts })));
    this.lastSeq = Math.max(this.lastSeq, rows[rows.length - 1]!.seq);
  }

  /** Moves lastSeq on to `seq` (the messages between are lost here; their seqs are never reused). */
  skipTo(seq: number): void {
    if (seq <= this.lastSeq) return;
    this.flush();
    this.lastSeq = seq;
    this.#setMeta.run("last_seq", seq);
    this.#walWritten = true;
  }

  /**
   * What is wrong with the store as a whole, or undefined: segment bytes that are no record
   * with records after them (found when it opened), or a failure of SQLite's check of
   * store.db (`PRAGMA quick_check`).
   */
  check(): string | undefined {
    if (this.#log.problem) return this.#log.problem;
    try {
      const rows = this.#db.query("PRAGMA quick_check").all() as { quick_check: string }[];
      const bad = rows.map((r) => r.quick_check).filter((r) => r !== "ok");
      return bad.length === 0 ? undefined : `quick_check: ${bad.slice(0, 3).join("; ")}`;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** Seqs of the messages past `after` that fail their checksum (reads each of them once). */
  scanDamaged(after = 0): number[] {
    this.flush();
    const bad: number[] = [];
    this.#log.read(Math.max(after + 1, this.#firstSeq), (r) => void (r.kind === "damaged" && bad.push(r.seq)));
    for (const seq of bad) this.damagedSeqs.add(seq);
    return bad;
  }

  /** Writes damaged messages again, whole (their time kept), from the journal's records of them. */
  replace(rows: readonly { seq: number; id: string; origin: string; content: string }[]): void {
    for (const r of rows) {
      const ts = this.#log.find(r.seq)?.ts ?? Date.now();
      if (this.#log.rewrite({ seq: r.seq, ts, id: r.id, origin: r.origin, content: r.content })) this.damagedSeqs.delete(r.seq);
      else
        log.warn("store {path}: message {seq} cannot be written again in place (its record is missing or of another length)", {
          path: this.#log.dir,
          seq: r.seq,
        });
    }
  }

  /** The saved position of a durable listener or group (`durable:NAME`, `group:NAME`). */
  position(key: string): number | undefined {
    return this.positions().get(key);
  }

  /** Every saved position, by key; one that fails its checksum is left out and logged (its listener starts again from the oldest message held). */
  positions(): Map<string, number> {
    const rows = this.#db.query("SELECT name, seq, crc FROM positions ORDER BY name").all() as {
      name: string;
      seq: number;
      crc: number | null;
    }[];
    const whole = rows.filter((r) => r.crc === null || r.crc === positionSum(r.name, r.seq));
    for (const r of rows)
      if (!whole.includes(r))
        log.warn("store {path}: the position of {name} fails its checksum: ignored", { path: this.path, name: r.name });
    return new Map(whole.map((r) => [r.name, r.seq]));
  }

  /** Saves positions, and when their listeners were last seen (ms since the epoch), in one transaction. */
  savePositions(positions: ReadonlyMap<string, number>, seen: ReadonlyMap<string, number> = new Map()): void {
    const put = this.#db.prepare("INSERT OR REPLACE INTO positions (name, seq, crc) VALUES (?, ?, ?)");
    const putSeen = this.#db.prepare("INSERT OR REPLACE INTO seen (name, at) VALUES (?, ?)");
    this.#walWritten = true;
    this.#db.transaction(() => {
      for (const [k, v] of positions) put.run(k, v, positionSum(k, v));
      for (const [k, at] of seen) putSeen.run(k, at);
    })();
  }

  /** When each durable listener or group was last seen (connected, acknowledged, left), by key. */
  seenTimes(): Map<string, number> {
    const rows = this.#db.query("SELECT name, at FROM seen").all() as { name: string; at: number }[];
    return new Map(rows.map((r) => [r.name, r.at]));
  }

  /** Forgets a durable listener's or group's position (`durable:NAME`, `group:NAME`); true when there was one. */
  deletePosition(key: string): boolean {
    this.#walWritten = true;
    return this.#db.transaction(() => {
      this.#db.prepare("DELETE FROM seen WHERE name = ?").run(key);
      return this.#db.prepare("DELETE FROM positions WHERE name = ?").run(key).changes > 0;
    })();
  }

  /** When message `seq` was stored (ms since the epoch), or undefined when it is not held. */
  timeOf(seq: number): number | undefined {
    const firstPending = this.lastSeq - this.#pending.length + 1;
    if (seq >= firstPending) return this.#pending[seq - firstPending]?.ts;
    const at = this.unchecked(seq);
    return at?.seq === seq ? at.ts : undefined;
  }

  /**
   * Lets go, oldest first, of what `retain` no longer keeps: older than its age, beyond its
   * size; removes the segments that hold nothing kept. At most one chunk per call; returns
   * how many messages went (call again while > 0).
   */
  prune(retain: Retain, now = Date.now()): number {
    // Only written messages: the last seq saved below must never count one a crash could take.
    this.flush();
    const oldest = this.oldestSeq();
    let keepFrom = oldest;
    if (retain.ageMs !== undefined) keepFrom = Math.max(keepFrom, this.seqAtTime(now - retain.ageMs));
    if (retain.bytes !== undefined) {
      const used = this.usedBytes();
      const rows = this.lastSeq - oldest + 1;
      if (used > retain.bytes && rows > 0) keepFrom = Math.max(keepFrom, oldest + Math.ceil(((used - retain.bytes) * rows) / used));
    }
    const until = Math.min(keepFrom, oldest + PRUNE_CHUNK);
    if (until <= oldest) return 0;
    const gone = this.#log.count(oldest, until);
    // The last seq is kept aside first: a store emptied by retention never reuses one.
    this.#db.transaction(() => {
      this.#setMeta.run("last_seq", this.lastSeq);
      this.#setMeta.run("first_seq", until);
    })();
    this.#walWritten = true;
    this.#firstSeq = until;
    this.#oldestWritten = undefined;
    // The marks are on disk before a segment goes: a store emptied by retention must still know its last seq after a power failure.
    if (this.#log.segmentsBefore(until) > 0) fsyncSync(this.#walFdOpen());
    this.#log.dropBefore(until);
    return gone;
  }

  /** Bytes of the messages held: from the oldest on in the segments, and those waiting in memory as they will be written. */
  usedBytes(): number {
    let pending = 0;
    for (const m of this.#pending) pending += recordBytes(m);
    return this.#log.bytesFrom(this.#firstSeq) + pending;
  }

  /**
   * What to sync before the journal's L mark moves past what the store holds: store.db's
   * write-ahead log (`store.db-wal`: positions, the numbering's marks) when written since the
   * last call (an fsync of a file with nothing new still flushes the disk's cache; SQLite
   * keeps that file while the store is open and rewrites it in place), and the segments
   * written or closed since ({@link SegmentLog.takeSync}); with `everything` (a blocking
   * sync) all of them. Undefined when nothing is.
   */
  filesToSync(everything = false): SyncSet | undefined {
    const segments = this.#log.takeSync(everything);
    const wal = this.#walWritten || everything ? this.#walFdOpen() : undefined;
    this.#walWritten = false;
    if (wal === undefined) return segments;
    const synced = (ok: boolean) => {
      this.#walWritten ||= !ok;
      segments?.synced(ok);
    };
    return { fds: [wal, ...(segments?.fds ?? [])], synced };
  }

  #walFdOpen(): number {
    return (this.#walFd ??= openSync(`${this.path}-wal`, "r"));
  }

  /**
   * Gives back the memory SQLite caches for this store (its page cache, filled again as pages
   * are read) and a read buffer grown for a large message; for a node gone quiet.
   *
   * @throws {Error} from SQLite when the store is closed
   */
  releaseMemory(): void {
    this.#db.exec("PRAGMA shrink_memory");
    this.#log.releaseMemory();
  }

  /** Writes what waits in memory (a failure is logged: the journal still holds it), then closes. */
  close(): void {
    try {
      this.flush();
    } catch (e) {
      log.error("cannot write the store at close: {error} ({n} messages are put back from the journal at the next start)", {
        error: (e as Error).message,
        n: this.#pending.length,
      });
    }
    this.#db.close();
    this.#log.close();
    if (this.#walFd !== undefined) closeSync(this.#walFd);
  }
}

/** Stores made before positions had checksums get the column (their rows keep NULL: unchecked). */
function addChecksumColumn(db: Database): void {
  const cols = db.query(`PRAGMA table_info(positions)`).all() as { name: string }[];
  if (!cols.some((c) => c.name === "crc")) db.exec(`ALTER TABLE positions ADD COLUMN crc INTEGER`);
}
