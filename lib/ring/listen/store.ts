/**
 * The node's store (`store.db` in its state folder, SQLite in WAL mode): every message the
 * node logged, under its sequence number, for replay; and the positions of durable
 * listeners and work-queue groups. access.log stays the operator's file; this is the node's.
 *
 * Messages are written behind: a message gets its seq at once and is readable at once (from
 * memory), and goes to SQLite with many others in one transaction ({@link WRITE_ROWS}
 * rows, or after {@link WRITE_DELAY_MS}). The journal holds every message until the L
 * mark moves, and the node moves it only after {@link RingStore.flush}, so a crash loses
 * nothing the next start does not put back.
 *
 * @module
 */
import { Database, type Statement } from "bun:sqlite";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { getLogger } from "../../log/mod.ts";
import { type CheckedRow, positionSum, rowIsWhole, rowSum } from "./row_check.ts";
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, id TEXT NOT NULL, origin TEXT NOT NULL, content TEXT NOT NULL, crc INTEGER);
CREATE TABLE IF NOT EXISTS positions (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, crc INTEGER);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS seen (name TEXT PRIMARY KEY, at INTEGER NOT NULL);
`;

/** Rows deleted per transaction when retention trims, so the node never stalls long. */
const PRUNE_CHUNK = 20_000;

/** Rows per INSERT statement: one call into SQLite for many messages. */
const INSERT_ROWS = 32;

/**
 * Messages waiting in memory that make a transaction at once. One transaction per commit
 * (50-60 messages at 13 000 msg/s) rewrote 4-5 pages of the WAL for 5 KB of rows, and was
 * a sixth of a five-node ring's CPU per message.
 */
export const WRITE_ROWS = 1024;

/** How long a message may wait in memory for its transaction (a durable store). */
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
  readonly #db: Database;
  /** INSERT statements by their number of rows (1 to {@link INSERT_ROWS}). */
  readonly #inserts = new Map<number, Statement>();
  readonly #setLast: Statement;
  readonly #read: Statement;
  readonly #tsOf: Statement;
  readonly #oldest: Statement;
  readonly #write: (rows: readonly StoredMessage[]) => void;

  private constructor(
    db: Database,
    readonly path: string,
    /** Whether messages wait in memory for a larger transaction (a store that syncs). */
    readonly writeBehind: boolean,
  ) {
    this.#db = db;
    db.exec(SCHEMA);
    addChecksumColumns(db);
    this.#setLast = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_seq', ?)");
    this.#read = db.prepare("SELECT seq, ts, id, origin, content, crc FROM messages WHERE seq >= ? ORDER BY seq LIMIT ?");
    this.#tsOf = db.prepare("SELECT ts FROM messages WHERE seq = ?");
    this.#oldest = db.prepare("SELECT min(seq) AS seq FROM messages");
    const meta = db.query("SELECT value FROM meta WHERE key = 'last_seq'").get() as { value: number } | null;
    const max = db.query("SELECT max(seq) AS seq, max(ts) AS ts FROM messages").get() as { seq: number | null; ts: number | null };
    this.lastSeq = Math.max(meta?.value ?? 0, max.seq ?? 0);
    this.#lastTs = max.ts ?? 0;
    // last_seq goes to meta only when retention deletes (prune): until then the rows say it.
    this.#write = db.transaction((rows: readonly StoredMessage[]) => {
      for (let i = 0; i < rows.length; i += INSERT_ROWS) {
        const n = Math.min(INSERT_ROWS, rows.length - i);
        const params: (string | number)[] = [];
        for (let j = i; j < i + n; j++) {
          const m = rows[j]!;
          params.push(m.seq, m.ts, m.id, m.origin, m.content, rowSum(m.seq, m.ts, m.id, m.origin, m.content));
        }
        this.#insertOf(n).run(...params);
      }
    });
  }

  /**
   * Opens (or creates) `store.db` in `dir`. With `durable` false (fsync "never") SQLite
   * does not sync at all and each append is written at once (the node's L mark moves
   * without waiting for a sync then); otherwise messages are written behind, a transaction
   * survives a crash of the process, and checkpoints sync.
   *
   * @throws {Error} "cannot open the store DIR/store.db: ..." when it cannot be used
   */
  static open(dir: string, opts: { durable?: boolean } = {}): RingStore {
    const path = join(dir, "store.db");
    try {
      const db = new Database(path, { create: true, strict: true });
      db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${opts.durable === false ? "OFF" : "NORMAL"}; PRAGMA busy_timeout = 1000;`);
      return new RingStore(db, path, opts.durable !== false);
    } catch (e) {
      throw new Error(`cannot open the store ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Gives messages their seqs, in order, and returns the seq of the first; they are
   * readable at once and written with the next transaction. Times never go backwards, so a
   * time maps to a seq by bisection. A write that fails (disk full...) is logged and
   * retried with the next one: nothing is lost or reordered.
   */
  append(rows: readonly NewMessage[], now = Date.now()): number {
    const first = this.lastSeq + 1;
    const ts = (this.#lastTs = Math.max(now, this.#lastTs));
    for (const r of rows) this.#pending.push({ seq: ++this.lastSeq, ts, id: r.id, origin: r.origin, content: r.content });
    if (!this.writeBehind || this.#pending.length >= WRITE_ROWS) this.#tryFlush();
    else this.#timer ??= setTimeout(() => this.#tryFlush(), WRITE_DELAY_MS);
    return first;
  }

  /** How many messages wait in memory for their transaction. */
  get unwritten(): number {
    return this.#pending.length;
  }

  /**
   * Writes every message waiting in memory, in one transaction.
   *
   * @throws {Error} from SQLite (disk full...); then they stay in memory, in order
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

  #insertOf(rows: number): Statement {
    let st = this.#inserts.get(rows);
    if (!st) {
      const values = Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?)").join(", ");
      this.#inserts.set(rows, (st = this.#db.prepare(`INSERT INTO messages (seq, ts, id, origin, content, crc) VALUES ${values}`)));
    }
    return st;
  }

  /**
   * Up to `limit` messages from `fromSeq` on, in seq order (written or still in memory). A
   * row that fails its checksum is left out (and reported once, {@link damagedSeqs}): fewer
   * than `limit` means the end was reached.
   */
  read(fromSeq: number, limit: number): StoredMessage[] {
    const firstPending = this.lastSeq - this.#pending.length + 1;
    const rows: StoredMessage[] = [];
    let from = fromSeq;
    while (from < firstPending && rows.length < limit) {
      const page = this.#read.all(from, limit - rows.length) as CheckedRow[];
      for (const r of page) {
        if (rowIsWhole(r)) rows.push({ seq: r.seq, ts: r.ts, id: r.id, origin: r.origin, content: r.content });
        else this.#damaged(r.seq);
      }
      if (page.length < limit - rows.length || page.length === 0) break;
      from = page[page.length - 1]!.seq + 1;
    }
    if (rows.length < limit && this.#pending.length > 0) {
      const at = Math.max(fromSeq, firstPending) - firstPending;
      for (let i = at; i < this.#pending.length && rows.length < limit; i++) rows.push(this.#pending[i]!);
    }
    return rows;
  }

  /** Seqs of rows found failing their checksum so far (each logged once). */
  readonly damagedSeqs = new Set<number>();

  /** Hears of each row found failing its checksum when read, once (the node mends it from its peers: mend_rows.ts). */
  onDamaged: ((seq: number) => void) | undefined;

  #damaged(seq: number): void {
    if (this.damagedSeqs.has(seq)) return;
    this.damagedSeqs.add(seq);
    log.warn("store {path}: message {seq} fails its checksum: not served", { path: this.path, seq });
    this.onDamaged?.(seq);
  }

  /**
   * A row's seq, time and id as they are on disk, checksum or not: what a damaged row
   * still says of itself, to look it up in the peers' copies.
   */
  unchecked(seq: number): { seq: number; ts: number; id: string } | undefined {
    const row = this.#db.query("SELECT seq, ts, id FROM messages WHERE seq = ?").get(seq) as { seq: number; ts: number; id: string } | null;
    return row ?? undefined;
  }

  /** The first seq still held (lastSeq + 1 when the store is empty). */
  oldestSeq(): number {
    return (this.#oldest.get() as { seq: number | null }).seq ?? this.lastSeq - this.#pending.length + 1;
  }

  /** The first seq logged at or after `ms` (lastSeq + 1 when none is). */
  seqAtTime(ms: number): number {
    let lo = this.oldestSeq();
    let hi = this.lastSeq + 1;
    // Seqs are contiguous from the oldest held to the last (retention trims the front only).
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = this.#tsAt(mid);
      if (row && row.ts >= ms) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  #tsAt(seq: number): { ts: number } | null {
    const firstPending = this.lastSeq - this.#pending.length + 1;
    if (seq >= firstPending) return this.#pending[seq - firstPending] ?? null;
    return this.#tsOf.get(seq) as { ts: number } | null;
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
    this.#setLast.run(seq);
  }

  /**
   * SQLite's check of the file's pages and indexes (`PRAGMA quick_check`: it reads the whole
   * file once); a reason when it fails.
   */
  check(): string | undefined {
    try {
      const rows = this.#db.query("PRAGMA quick_check").all() as { quick_check: string }[];
      const bad = rows.map((r) => r.quick_check).filter((r) => r !== "ok");
      return bad.length === 0 ? undefined : `quick_check: ${bad.slice(0, 3).join("; ")}`;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /**
   * Seqs of the rows past `after` that fail their checksum (reads each of them once: 240 ms
   * for 300 000 rows here).
   */
  scanDamaged(after = 0): number[] {
    this.flush();
    const bad: number[] = [];
    const rows = this.#db.query("SELECT seq, ts, id, origin, content, crc FROM messages WHERE seq > ? AND crc IS NOT NULL").iterate(after);
    for (const r of rows as Iterable<CheckedRow>) if (!rowIsWhole(r)) bad.push(r.seq);
    for (const seq of bad) this.damagedSeqs.add(seq);
    return bad;
  }

  /** Writes damaged rows again, whole (their time kept), from the journal's records of them. */
  replace(rows: readonly { seq: number; id: string; origin: string; content: string }[]): void {
    const tsOf = this.#db.prepare("SELECT ts FROM messages WHERE seq = ?");
    const put = this.#db.prepare("UPDATE messages SET id = ?, origin = ?, content = ?, crc = ? WHERE seq = ?");
    this.#db.transaction(() => {
      for (const r of rows) {
        const ts = (tsOf.get(r.seq) as { ts: number } | null)?.ts ?? Date.now();
        put.run(r.id, r.origin, r.content, rowSum(r.seq, ts, r.id, r.origin, r.content), r.seq);
        this.damagedSeqs.delete(r.seq);
      }
    })();
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
    return this.#db.transaction(() => {
      this.#db.prepare("DELETE FROM seen WHERE name = ?").run(key);
      return this.#db.prepare("DELETE FROM positions WHERE name = ?").run(key).changes > 0;
    })();
  }

  /** When message `seq` was stored (ms since the epoch), or undefined when it is not held. */
  timeOf(seq: number): number | undefined {
    return this.#tsAt(seq)?.ts;
  }

  /**
   * Deletes, oldest first, what `retain` no longer keeps: older than its age, beyond its
   * size. Deletes at most one chunk; returns how many rows went (call again while > 0).
   */
  prune(retain: Retain, now = Date.now()): number {
    // Only written rows: the last seq saved below must never count one a crash could take.
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
    // The last seq is kept aside first: a store emptied by retention never reuses one.
    const del = this.#db.prepare("DELETE FROM messages WHERE seq < ?");
    return this.#db.transaction(() => {
      this.#setLast.run(this.lastSeq);
      return del.run(until).changes;
    })();
  }

  /** Bytes of the database in use (pages not on the free list). */
  usedBytes(): number {
    const q = (p: string) => (this.#db.query(`PRAGMA ${p}`).get() as Record<string, number>)[p]!;
    return (q("page_count") - q("freelist_count")) * q("page_size");
  }

  /**
   * A descriptor of the write-ahead log (`store.db-wal`), for the node's group fsync: a
   * commit is durable once the WAL is synced (SQLite itself syncs only at checkpoints).
   * SQLite keeps that file while the store is open, and rewrites it in place.
   */
  walFd(): number {
    return (this.#walFd ??= openSync(`${this.path}-wal`, "r"));
  }

  /**
   * Gives back the memory SQLite caches for this store (its page cache: up to 2 MB, filled
   * again as pages are read); for a node gone quiet.
   *
   * @throws {Error} from SQLite when the store is closed
   */
  releaseMemory(): void {
    this.#db.exec("PRAGMA shrink_memory");
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
    if (this.#walFd !== undefined) closeSync(this.#walFd);
  }
}

/** Stores made before rows had checksums get the column (their rows keep NULL: unchecked). */
function addChecksumColumns(db: Database): void {
  for (const table of ["messages", "positions"]) {
    const cols = db.query(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!cols.some((c) => c.name === "crc")) db.exec(`ALTER TABLE ${table} ADD COLUMN crc INTEGER`);
  }
}
