/**
 * The store's append path, per message, on the same rows: the store as the node runs it
 * (`RingStore`, durable: rows written behind, 1024 at a time, into its segment files)
 * against SQLite as the store used it before (transactions of 1024 rows, INSERTs of 32 rows,
 * each row's CRC-32 of its fields) and a bare segment file (the records of a batch encoded
 * with their CRC-32 and written with one call). None syncs here: the node syncs at its
 * checkpoints. Alternating runs; prints CPU (user + system) and wall time per message, and
 * RingStore's longest append (with 200 000 messages one starts a second segment).
 *
 *   bun bench/store_append.ts [MESSAGES] [RUNS]
 */
import { Database } from "bun:sqlite";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { loadavg as osLoad, tmpdir } from "node:os";
import { RingStore, WRITE_ROWS } from "../lib/ring/listen/store.ts";
import { RecordEncoder, type SegmentRow } from "../lib/ring/listen/segment_format.ts";
import { rowSum } from "../lib/ring/listen/row_check.ts";

const messages = Number(process.argv[2] ?? 200_000);
const runs = Number(process.argv[3] ?? 3);
/** Messages per append: about one commit of a five-node ring at 13 000 msg/s. */
const BATCH = 64;
const body = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz".slice(0, 64);
const rows = Array.from({ length: messages }, (_, i) => ({ id: `k3f9a2-${i}`, origin: "MV", content: body }));

/** CPU (user + system) and wall µs per message of `work`. */
function measure(work: () => void): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  work();
  const wall = ((performance.now() - t0) * 1000) / messages;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / messages, wall };
}

/** The longest single append of each RingStore run, ms: the one that starts a segment, past 16 MB. */
const longest: number[] = [];

function ringStore(dir: string): void {
  const store = RingStore.open(dir, { durable: true });
  let most = 0;
  for (let i = 0; i < messages; i += BATCH) {
    const t0 = performance.now();
    store.append(rows.slice(i, i + BATCH));
    most = Math.max(most, performance.now() - t0);
  }
  longest.push(most);
  store.flush();
  store.close();
}

/** The store's append path when SQLite held its messages (before issue 26's segments). */
function sqlite(dir: string): void {
  const db = new Database(join(dir, "store.db"), { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec(
    "CREATE TABLE messages (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, id TEXT NOT NULL, origin TEXT NOT NULL, content TEXT NOT NULL, crc INTEGER)",
  );
  const insert = db.prepare(
    `INSERT INTO messages (seq, ts, id, origin, content, crc) VALUES ${Array(32).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`,
  );
  const write = db.transaction((batch: SegmentRow[]) => {
    for (let i = 0; i < batch.length; i += 32) {
      const params: (string | number)[] = [];
      for (const m of batch.slice(i, i + 32))
        params.push(m.seq, m.ts, m.id, m.origin, m.content, rowSum(m.seq, m.ts, m.id, m.origin, m.content));
      insert.run(...params);
    }
  });
  let pending: SegmentRow[] = [];
  let seq = 0;
  const now = Date.now();
  for (let i = 0; i < messages; i += BATCH) {
    for (const r of rows.slice(i, i + BATCH)) pending.push({ seq: ++seq, ts: now, id: r.id, origin: r.origin, content: r.content });
    if (pending.length >= WRITE_ROWS) {
      write(pending);
      pending = [];
    }
  }
  if (pending.length > 0) write(pending);
  db.close();
}

/** The segment path: rows wait in memory like the store's, and go out `perWrite` at a time. */
function segment(dir: string, perWrite: number): void {
  const fd = openSync(join(dir, "0000000001.seg"), "a");
  const enc = new RecordEncoder();
  let pending: SegmentRow[] = [];
  let seq = 0;
  const now = Date.now();
  for (let i = 0; i < messages; i += BATCH) {
    for (const r of rows.slice(i, i + BATCH)) pending.push({ seq: ++seq, ts: now, id: r.id, origin: r.origin, content: r.content });
    if (pending.length >= perWrite) {
      writeSync(fd, enc.encode(pending));
      pending = [];
    }
  }
  if (pending.length > 0) writeSync(fd, enc.encode(pending));
  closeSync(fd);
}

const cases: [string, (dir: string) => void][] = [
  [`RingStore (segments, writes of ${WRITE_ROWS})`, ringStore],
  [`SQLite as the store used it before (transactions of ${WRITE_ROWS})`, sqlite],
  [`segment, one write per ${WRITE_ROWS} rows`, (d) => segment(d, WRITE_ROWS)],
  [`segment, one write per append of ${BATCH}`, (d) => segment(d, BATCH)],
];
const figures = new Map<string, { cpu: number; wall: number }[]>(cases.map(([name]) => [name, []]));
const root = join(tmpdir(), `zogbench-store-${process.pid}`);
try {
  for (let run = 0; run < runs + 1; run++) {
    for (const [name, work] of cases) {
      const dir = join(root, `${run}-${figures.get(name)!.length}-${name.length}`);
      mkdirSync(dir, { recursive: true });
      const m = measure(() => work(dir));
      // The first round warms the JIT and is not counted.
      if (run > 0) figures.get(name)!.push(m);
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
const f = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(", ");
console.log(`store append, ${messages} messages of ${body.length} B in appends of ${BATCH}, ${runs} runs (load average ${loadavg()}):`);
for (const [name, ms] of figures) {
  console.log(`  ${name}: CPU ${f(ms.map((m) => m.cpu))} µs/message; wall ${f(ms.map((m) => m.wall))} µs/message`);
}
console.log(`  RingStore's longest append: ${f(longest.slice(1))} ms`);

function loadavg(): string {
  return osLoad()
    .map((l) => l.toFixed(1))
    .join(" ");
}
