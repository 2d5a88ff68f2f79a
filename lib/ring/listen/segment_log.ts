/**
 * The store's messages as append-only segment files (`messages/SEQ.seg`, each named by the
 * seq of its first record): the records of a batch are encoded with their checksums and
 * written with one call at the end of the newest segment; a segment past
 * {@link SEGMENT_BYTES} is closed, and the next batch starts a new one. A log opened with
 * `deferSync` (a node's durable store) leaves the closed segment's fsync, and the folder's
 * for the new one, to the node's next checkpoint ({@link SegmentLog.takeSync}: on the
 * thread pool, before the journal's L mark moves past its records); otherwise it syncs
 * them at once. An index
 * in memory (every {@link MARK_EVERY}th record's seq, time and offset, per segment) is
 * rebuilt by reading the records' heads when the store opens.
 *
 * Why not SQLite, which held them before: a row cost 0.82-0.94 µs of CPU there (its
 * INSERTs, BEGIN/COMMIT and the row's CRC), a record 0.23-0.26 µs here
 * (bench/store_append.ts).
 *
 * @module
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { readRecord, RecordEncoder, type SegmentRow } from "./segment_format.ts";
import { ChunkReader, type RecordVisit, recordFollows } from "./segment_reader.ts";

/** A segment is closed and a new one started once it holds this many bytes. */
export const SEGMENT_BYTES = 16 << 20;

/** One record in this many is in the index: a lookup reads at most this many heads. */
export const MARK_EVERY = 64;

/** What a lookup reads first: {@link MARK_EVERY} records of about 100 bytes. */
const LOOKUP_BYTES = 8 << 10;

/** How bytes reach a segment file (a test makes writes fail with its own). */
export type WriteAt = (fd: number, bytes: Uint8Array, position: number) => void;

/** One segment file and its index. */
export interface Segment {
  path: string;
  /** Bytes of its whole records (where the next record goes). */
  size: number;
  count: number;
  /** Seq and time of its last record (0 when it holds none). */
  lastSeq: number;
  lastTs: number;
  /** Every {@link MARK_EVERY}th record from its first: seq, time, offset, one after the other. */
  marks: number[];
}

/** A record as read: a message, or one whose checksum fails (what it says of itself, unchecked). */
export type ReadRecord = { kind: "row"; row: SegmentRow } | { kind: "damaged"; seq: number; ts: number; id: string };

/**
 * Descriptors to sync before the records appended so far may be counted on, and what to
 * call once that sync ended (`ok` false: it failed, they are handed out again next time).
 */
export interface SyncSet {
  fds: readonly number[];
  synced: (ok: boolean) => void;
}

/** A record's place: segment number and offset. */
interface Place {
  seg: number;
  offset: number;
}

/** pwrite(2) until all is written: a write that failed half-way is written over by the next. */
function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/**
 * The segment files of one store.
 *
 * @example
 * ```ts
 * const log = SegmentLog.open("/var/lib/zog/MV/messages");
 * log.append([{ seq: 1, ts: Date.now(), id: "c5-1", origin: "MV", content: "hello" }]);
 * log.read(1, (r) => void console.log(r));
 * log.close();
 * ```
 */
export class SegmentLog {
  readonly segments: Segment[] = [];
  /** What the scan at open cut (torn tails), for the log. */
  readonly notes: string[] = [];
  /** Set when the records cannot be trusted as a whole (bytes that are no record, with records after them). */
  problem: string | undefined;
  #fd: number | undefined;
  /** Closed segments' descriptors, still open until a sync covers them (`deferSync`). */
  #unsynced: number[] = [];
  /** Closed segments' descriptors a sync runs for: closed by it when it ends. */
  readonly #syncing = new Set<number>();
  #closed = false;
  /** Syncs of the folder that run. */
  #folderSyncing = 0;
  /** A segment was made since the folder was last synced (`deferSync`). */
  #folderUnsynced = false;
  /** The newest segment was written since {@link takeSync} last handed it out. */
  #written = false;
  readonly #enc = new RecordEncoder();
  readonly #reader = new ChunkReader();
  readonly #writeAt: WriteAt;

  private constructor(
    readonly dir: string,
    readonly readonly: boolean,
    writeAt: WriteAt | undefined,
    /** A segment is closed once it holds this many bytes. */
    readonly segmentBytes: number,
    /** Whether a closed segment waits for {@link takeSync} instead of being synced at once. */
    readonly deferSync: boolean,
  ) {
    this.#writeAt = writeAt ?? writeAll;
  }

  /**
   * Opens the segments in `dir` (made when missing, unless `readonly`) and reads every
   * record's head to index them. A torn tail (bytes after the last whole record that no
   * whole record follows) is cut, unless `readonly`. `segmentBytes` (default
   * {@link SEGMENT_BYTES}) is for tests that need many segments. `deferSync`: a closed
   * segment and the folder are synced by whoever calls {@link takeSync} (or {@link sync}),
   * not at once.
   *
   * @throws {Error} when the folder or a segment cannot be read
   */
  static open(dir: string, opts: { readonly?: boolean; writeAt?: WriteAt; segmentBytes?: number; deferSync?: boolean } = {}): SegmentLog {
    const log = new SegmentLog(dir, opts.readonly ?? false, opts.writeAt, opts.segmentBytes ?? SEGMENT_BYTES, opts.deferSync ?? false);
    if (!log.readonly) mkdirSync(dir, { recursive: true });
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => /^\d{16}\.seg$/.test(n));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    for (const name of names.sort()) log.#scan(join(dir, name));
    return log;
  }

  #scan(path: string): void {
    const fd = openSync(path, this.readonly ? "r" : "r+");
    try {
      const size = fstatSync(fd).size;
      const seg: Segment = { path, size: 0, count: 0, lastSeq: 0, lastTs: 0, marks: [] };
      let [seqBefore, tsBefore] = [this.lastSeq, this.lastTs];
      let lastAt = 0;
      const end = this.#reader.walk(fd, 0, size, (_buf, _at, head, offset) => {
        if (seg.count++ % MARK_EVERY === 0) seg.marks.push(head.seq, head.ts, offset);
        if (seg.count > 1) [seqBefore, tsBefore] = [seg.lastSeq, seg.lastTs];
        seg.lastSeq = head.seq;
        seg.lastTs = head.ts;
        lastAt = offset;
      });
      seg.size = end.at;
      if (end.at < size) this.#torn(fd, seg, size);
      // The numbering goes on from the last record: what a damaged one says of itself is not trusted.
      if (seg.count > 0 && !this.#whole(fd, lastAt, seg.size)) {
        seg.lastSeq = seqBefore + 1;
        seg.lastTs = tsBefore;
      }
      if (seg.count > 0 || !this.readonly) this.segments.push(seg);
    } finally {
      closeSync(fd);
    }
  }

  /** Whether the record from `at` to `end` of `fd` passes its checksum. */
  #whole(fd: number, at: number, end: number): boolean {
    const bytes = Buffer.allocUnsafe(end - at);
    readSync(fd, bytes, 0, bytes.length, at);
    return readRecord(bytes, 0).kind === "row";
  }

  /** Bytes past a segment's last whole record: damage when a whole record follows, else a torn write, cut. */
  #torn(fd: number, seg: Segment, size: number): void {
    const rest = Buffer.allocUnsafe(size - seg.size);
    readSync(fd, rest, 0, rest.length, seg.size);
    const lastSeq = Math.max(seg.lastSeq, this.segments.at(-1)?.lastSeq ?? 0);
    if (recordFollows(rest, lastSeq)) {
      this.problem ??= `segment ${seg.path}: bytes ${seg.size}-${size} hold no whole record where more records follow (damage)`;
    } else if (!this.readonly) {
      ftruncateSync(fd, seg.size);
      this.notes.push(`segment ${seg.path}: a torn tail of ${size - seg.size} bytes from byte ${seg.size} cut off`);
    }
  }

  /** The last seq and time written (0 when none is). */
  get lastSeq(): number {
    return this.#newest()?.lastSeq ?? 0;
  }

  get lastTs(): number {
    return this.#newest()?.lastTs ?? 0;
  }

  #newest(): Segment | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) if (this.segments[i]!.count > 0) return this.segments[i];
    return undefined;
  }

  /**
   * Writes `rows` (seqs ascending, past {@link lastSeq}) at the end of the newest segment,
   * with one call; starts a new segment first when it is full. Nothing changes in memory
   * when the write fails: the next one writes over what it left.
   *
   * @throws {Error} from the write (ENOSPC...)
   */
  append(rows: readonly SegmentRow[], damaged?: ReadonlySet<number>): void {
    if (rows.length === 0) return;
    let seg = this.segments.at(-1);
    if (!seg || seg.size >= this.segmentBytes) seg = this.#roll(rows[0]!.seq);
    const ends: number[] = [];
    const bytes = this.#enc.encode(rows, ends);
    if (damaged) this.#spoil(bytes, rows, ends, damaged);
    this.#writeAt(this.#fdOf(seg), bytes, seg.size);
    let start = seg.size;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (seg.count++ % MARK_EVERY === 0) seg.marks.push(r.seq, r.ts, start);
      start = seg.size + ends[i]!;
    }
    seg.size += bytes.length;
    this.#written = true;
    seg.lastSeq = rows[rows.length - 1]!.seq;
    seg.lastTs = rows[rows.length - 1]!.ts;
  }

  /** Rows moved from an older store that failed their checksum there are written failing it here too. */
  #spoil(bytes: Buffer, rows: readonly SegmentRow[], ends: number[], damaged: ReadonlySet<number>): void {
    for (let i = 0; i < rows.length; i++) if (damaged.has(rows[i]!.seq)) bytes[(ends[i - 1] ?? 0) + 4]! ^= 0xff;
  }

  #fdOf(seg: Segment): number {
    return (this.#fd ??= openSync(seg.path, constants.O_RDWR | constants.O_CREAT, 0o644));
  }

  /**
   * Closes the newest segment and starts one for `seq`: synced at once, the new one's name
   * in the folder too, unless `deferSync` (a sync on the main thread every 16 MB, the
   * folder's a journal commit of the file system).
   */
  #roll(seq: number): Segment {
    if (this.readonly) throw new Error(`the store's segments in ${this.dir} were opened read-only: cannot write message ${seq}`);
    if (!this.deferSync) {
      this.sync();
      this.#closeFd();
    } else if (this.#fd !== undefined) this.#unsynced.push(this.#fd);
    this.#fd = undefined;
    const seg: Segment = {
      path: join(this.dir, `${String(seq).padStart(16, "0")}.seg`),
      size: 0,
      count: 0,
      lastSeq: 0,
      lastTs: 0,
      marks: [],
    };
    this.#fdOf(seg);
    if (this.deferSync) this.#folderUnsynced = true;
    else this.syncFolder();
    this.segments.push(seg);
    return seg;
  }

  /** The newest segment's descriptor (undefined before the first write). */
  get fd(): number | undefined {
    return this.#fd;
  }

  /**
   * What to sync so that every record appended so far is on disk: the segments closed since
   * the last sync (closed once `synced(true)` is called), the folder when a segment was made
   * (a descriptor closed by `synced`), the newest segment when written since. With
   * `everything` (a blocking sync before the L mark moves at once) also the newest segment
   * and the closed ones another sync still runs for. Undefined when nothing is to sync.
   *
   * @example
   * ```ts
   * import { fsync as fsyncCb } from "node:fs";
   * const segments = SegmentLog.open("/var/lib/zog/MV/messages", { deferSync: true });
   * const set = segments.takeSync();
   * const fsync = (fd: number) => new Promise<void>((ok, fail) => fsyncCb(fd, (e) => (e ? fail(e) : ok())));
   * if (set) Promise.all(set.fds.map(fsync)).then(() => set.synced(true), () => set.synced(false));
   * ```
   */
  takeSync(everything = false): SyncSet | undefined {
    const closed = this.#unsynced;
    const folder = this.#folderUnsynced || (everything && this.#folderSyncing > 0) ? openSync(this.dir, "r") : undefined;
    const newest = this.#written || everything ? this.#fd : undefined;
    const running = everything ? [...this.#syncing] : [];
    if (closed.length + running.length === 0 && folder === undefined && newest === undefined) return undefined;
    this.#unsynced = [];
    this.#folderUnsynced = false;
    this.#written = false;
    for (const fd of closed) this.#syncing.add(fd);
    if (folder !== undefined) this.#folderSyncing++;
    const fds = [...closed, ...running, ...(folder === undefined ? [] : [folder]), ...(newest === undefined ? [] : [newest])];
    const synced = (ok: boolean) => {
      if (folder !== undefined) {
        closeSync(folder);
        this.#folderSyncing--;
      }
      for (const fd of closed) this.#syncing.delete(fd);
      if (ok || this.#closed) for (const fd of closed) closeSync(fd);
      else {
        this.#unsynced.unshift(...closed);
        this.#folderUnsynced ||= folder !== undefined;
        this.#written ||= newest !== undefined;
      }
    };
    return { fds, synced };
  }

  /** Syncs now, blocking, every record appended so far ({@link takeSync} with `everything`). */
  sync(): void {
    const set = this.takeSync(true);
    if (!set) return;
    try {
      for (const fd of set.fds) fsyncSync(fd);
    } catch (e) {
      set.synced(false);
      throw e;
    }
    set.synced(true);
  }

  /** Syncs the folder (a segment made or removed). */
  syncFolder(): void {
    const fd = openSync(this.dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Where the first record with a seq at or past `seq` is (undefined when none is). */
  #place(seq: number): Place | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.segments[mid]!.marks[0] ?? Infinity) <= seq) lo = mid;
      else hi = mid - 1;
    }
    for (let i = lo; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (seg.count === 0 || seg.lastSeq < seq) continue;
      let found: number | undefined;
      this.#walkSeg(
        i,
        seg.marks[markAtOrBefore(seg.marks, seq) + 2]!,
        (_b, _a, head, offset) => {
          if (head.seq < seq) return true;
          found = offset;
          return false;
        },
        LOOKUP_BYTES,
      );
      if (found !== undefined) return { seg: i, offset: found };
    }
    return undefined;
  }

  #walkSeg(i: number, from: number, visit: RecordVisit, firstBytes?: number): void {
    const seg = this.segments[i]!;
    const own = i === this.segments.length - 1 && this.#fd !== undefined;
    const fd = own ? this.#fd! : openSync(seg.path, "r");
    try {
      this.#reader.walk(fd, from, seg.size, visit, firstBytes);
    } finally {
      if (!own) closeSync(fd);
    }
  }

  /**
   * Visits the records from the first at or past `fromSeq` on, in order, until `visit`
   * returns false. A damaged record's seq is what it says, when that lies between its
   * neighbours' seqs; else the one after the seq before it. `firstBytes`: how much to read
   * first (a caller that wants a few records), whole chunks otherwise.
   *
   * @throws {Error} from the reads
   */
  read(fromSeq: number, visit: (r: ReadRecord) => boolean | void, firstBytes?: number): void {
    const place = this.#place(fromSeq);
    if (!place) return;
    let prev = fromSeq - 1;
    let go = true;
    for (let i = place.seg; i < this.segments.length && go; i++) {
      const first = i === place.seg ? firstBytes : undefined;
      this.#walkSeg(
        i,
        i === place.seg ? place.offset : 0,
        (buf, at) => {
          const r = readRecord(buf, at);
          if (r.kind === "row") {
            prev = r.row.seq;
            go = visit(r) !== false;
          } else if (r.kind === "damaged") {
            const seq = Number.isSafeInteger(r.seq) && r.seq > prev && r.seq <= this.lastSeq ? r.seq : prev + 1;
            prev = seq;
            go = visit({ kind: "damaged", seq, ts: r.ts, id: r.id }) !== false;
          }
          return go;
        },
        first,
      );
    }
  }

  /** The head of the record of `seq` (seq, time and id, unchecked), or undefined when none has it. */
  find(seq: number): { seq: number; ts: number; id: string } | undefined {
    let out: { seq: number; ts: number; id: string } | undefined;
    this.read(
      seq,
      (r) => {
        const at = r.kind === "row" ? r.row : r;
        if (at.seq === seq) out = { seq: at.seq, ts: at.ts, id: at.id };
        return false;
      },
      LOOKUP_BYTES,
    );
    return out;
  }

  /**
   * The seq of the first record whose time is at or after `ms` (times never decrease), or
   * undefined when none is.
   */
  seqAtTime(ms: number): number | undefined {
    const i = this.segments.findIndex((s) => s.count > 0 && s.lastTs >= ms);
    if (i < 0) return undefined;
    const marks = this.segments[i]!.marks;
    let m = 0;
    for (let lo = 0, hi = marks.length / 3 - 1; lo <= hi;) {
      const mid = (lo + hi) >> 1;
      if (marks[mid * 3 + 1]! < ms) ((m = mid * 3), (lo = mid + 1));
      else hi = mid - 1;
    }
    let seq: number | undefined;
    this.#walkSeg(
      i,
      marks[m + 2]!,
      (_b, _a, head) => {
        if (head.ts < ms) return true;
        seq = head.seq;
        return false;
      },
      LOOKUP_BYTES,
    );
    return seq;
  }

  /**
   * Writes the record of `row.seq` again in its place (same bytes long: its fields are those
   * it had before a disk damaged it); false when no record has that seq, or the new one is
   * not as long as the old.
   *
   * @throws {Error} from the write
   */
  rewrite(row: SegmentRow): boolean {
    const place = this.#place(row.seq);
    const seg = place && this.segments[place.seg]!;
    let length = -1;
    if (seg)
      this.#walkSeg(
        place.seg,
        place.offset,
        (_b, at, head) => {
          if (head.seq === row.seq) length = head.end - at;
          return false;
        },
        LOOKUP_BYTES,
      );
    const bytes = this.#enc.encode([row]);
    if (!seg || length !== bytes.length) return false;
    const own = place.seg === this.segments.length - 1;
    const fd = own ? this.#fdOf(seg) : openSync(seg.path, "r+");
    try {
      this.#writeAt(fd, bytes, place.offset);
      if (!own) fsyncSync(fd);
      else this.#written = true;
    } finally {
      if (!own) closeSync(fd);
    }
    return true;
  }

  /** How many records have seqs from `from` to before `to`. */
  count(from: number, to: number): number {
    let n = 0;
    this.read(from, (r) => {
      if ((r.kind === "row" ? r.row.seq : r.seq) >= to) return false;
      n++;
    });
    return n;
  }

  /**
   * Bytes held from the first record at or past `seq` to the end.
   */
  bytesFrom(seq: number): number {
    const place = this.#place(seq);
    if (!place) return 0;
    let n = -place.offset;
    for (let i = place.seg; i < this.segments.length; i++) n += this.segments[i]!.size;
    return n;
  }

  /** How many segments hold only records before `seq`. */
  segmentsBefore(seq: number): number {
    let n = 0;
    while (n < this.segments.length && this.segments[n]!.lastSeq < seq) n++;
    return n;
  }

  /** Removes the segments whose records are all before `seq` (the newest only when it is, too). */
  dropBefore(seq: number): void {
    const n = this.segmentsBefore(seq);
    if (n === 0) return;
    if (n === this.segments.length) this.#closeFd();
    for (const seg of this.segments.splice(0, n)) rmSync(seg.path, { force: true });
    if (!this.readonly) this.syncFolder();
  }

  /** Gives back the buffer grown for a large record. */
  releaseMemory(): void {
    this.#reader.shrink();
  }

  #closeFd(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** Closes the newest segment's descriptor, and those of closed segments no sync covered (the journal still holds their records). */
  close(): void {
    this.#closed = true;
    this.#closeFd();
    for (const fd of this.#unsynced.splice(0)) closeSync(fd);
  }
}

/** The index (a multiple of 3) of the last mark whose seq is at or before `seq` (0 when none is). */
function markAtOrBefore(marks: readonly number[], seq: number): number {
  let lo = 0;
  let hi = marks.length / 3 - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (marks[mid * 3]! <= seq) lo = mid;
    else hi = mid - 1;
  }
  return lo * 3;
}
