import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { type ReadRecord, SegmentLog } from "../../../lib/ring/listen/segment_log.ts";
import type { SegmentRow } from "../../../lib/ring/listen/segment_format.ts";
import { removeTmpDirs, tmpDir } from "../../helpers/procs.ts";

afterAll(() => removeTmpDirs());

const seqOf = (r: ReadRecord) => (r.kind === "row" ? r.row.seq : r.seq);

/** Every record from `from` on. */
function all(log: SegmentLog, from = 0): ReadRecord[] {
  const out: ReadRecord[] = [];
  log.read(from, (r) => void out.push(r));
  return out;
}

/** A segment holding messages 1-3 (time `ts`), closed; its path. */
function threeRecords(dir: string, ts: number): string {
  const log = SegmentLog.open(dir);
  log.append([1, 2, 3].map((seq) => ({ seq, ts, id: `i${seq}`, origin: "MV", content: "hello" })));
  log.close();
  return join(dir, readdirSync(dir)[0]!);
}

/** Batches of rows: seqs ascending with gaps now and then, times never decreasing. */
const batches = fc
  .array(
    fc.record({
      gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 })),
      dt: fc.integer({ min: 0, max: 3 }),
      sizes: fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 40 }),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((bs) => {
    let seq = 0;
    let ts = 1000;
    return bs.map((b) => {
      seq += b.gap;
      ts += b.dt;
      return b.sizes.map((n): SegmentRow => ({ seq: ++seq, ts, id: `i-${seq}`, origin: "MV", content: "x".repeat(n) }));
    });
  });

test("reads, lookups by seq and by time, counts and bytes agree with the rows written, across segments and after reopening", () => {
  fc.assert(
    fc.property(batches, fc.nat(), (bs, pick) => {
      const dir = tmpDir();
      let log = SegmentLog.open(dir, { segmentBytes: 2000 });
      for (const b of bs) log.append(b);
      const rows = bs.flat();
      const check = () => {
        expect(all(log).map((r) => (r.kind === "row" ? r.row : r))).toEqual(rows);
        const at = rows[pick % rows.length]!;
        expect(all(log, at.seq).map(seqOf)).toEqual(rows.filter((r) => r.seq >= at.seq).map((r) => r.seq));
        expect(all(log, at.seq - 0.5)[0] && seqOf(all(log, at.seq - 0.5)[0]!)).toBe(at.seq);
        expect(log.find(at.seq)).toEqual({ seq: at.seq, ts: at.ts, id: at.id });
        expect(log.seqAtTime(at.ts)).toBe(rows.find((r) => r.ts >= at.ts)!.seq);
        expect(log.seqAtTime(rows.at(-1)!.ts + 1)).toBeUndefined();
        expect(log.count(at.seq, rows.at(-1)!.seq + 1)).toBe(rows.filter((r) => r.seq >= at.seq).length);
        expect(log.lastSeq).toBe(rows.at(-1)!.seq);
      };
      check();
      log.close();
      log = SegmentLog.open(dir, { segmentBytes: 2000 });
      check();
      const total = log.segments.reduce((n, s) => n + s.size, 0);
      expect(log.bytesFrom(0)).toBe(total);
      log.close();
    }),
    { numRuns: 40 },
  );
});

test("dropBefore removes whole segments only: every record from the seq on is still read", () => {
  const dir = tmpDir();
  const log = SegmentLog.open(dir, { segmentBytes: 1000 });
  for (let b = 0; b < 20; b++)
    log.append(
      Array.from({ length: 10 }, (_, i) => ({ seq: b * 10 + i + 1, ts: b, id: `i${b}-${i}`, origin: "MV", content: "y".repeat(20) })),
    );
  const before = readdirSync(dir).length;
  log.dropBefore(95);
  expect(readdirSync(dir).length).toBeLessThan(before);
  expect(seqOf(all(log)[0]!)).toBeLessThanOrEqual(95);
  expect(all(log, 95).map(seqOf)).toEqual(Array.from({ length: 106 }, (_, i) => 95 + i));
  log.dropBefore(1000);
  expect(readdirSync(dir)).toEqual([]);
  log.append([{ seq: 201, ts: 30, id: "after", origin: "MV", content: "z" }]);
  expect(all(log).map(seqOf)).toEqual([201]);
  log.close();
});

test("a torn tail is cut at open, and writing goes on after the last whole record", () => {
  const dir = tmpDir();
  const path = threeRecords(dir, 5);
  const whole = statSync(path).size;
  // Half of a fourth record, as an interrupted write leaves it.
  const bytes = readFileSync(path);
  appendFileSync(path, bytes.subarray(0, 20));
  let log = SegmentLog.open(dir);
  expect(log.problem).toBeUndefined();
  expect(log.notes).toEqual([`segment ${path}: a torn tail of 20 bytes from byte ${whole} cut off`]);
  expect(statSync(path).size).toBe(whole);
  log.append([{ seq: 4, ts: 6, id: "i4", origin: "MV", content: "again" }]);
  log.close();
  expect(all(SegmentLog.open(dir, { readonly: true })).map(seqOf)).toEqual([1, 2, 3, 4]);
});

test("bytes that are no record with whole records after them are damage: told, not cut", () => {
  const dir = tmpDir();
  const path = threeRecords(dir, 5);
  const bytes = readFileSync(path);
  const size = bytes.length;
  // The second record's length field says far more than is there.
  bytes.writeUInt32LE(0x7fff_ffff, size / 3);
  writeFileSync(path, bytes);
  const log = SegmentLog.open(dir);
  expect(log.problem).toContain(`segment ${path}: bytes ${size / 3}-${size} hold no whole record where more records follow`);
  expect(statSync(path).size).toBe(size);
  log.close();
});

test("a write that fails half-way is written over by the next: nothing doubled, nothing lost", () => {
  const dir = tmpDir();
  let fail = true;
  const log = SegmentLog.open(dir, {
    writeAt: (fd, bytes, position) => {
      if (fail) {
        writeSync(fd, bytes, 0, bytes.length >> 1, position);
        throw new Error("ENOSPC: no space left on device, write");
      }
      writeSync(fd, bytes, 0, bytes.length, position);
    },
  });
  const rows = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({ seq: from + i, ts: 1, id: `i${from + i}`, origin: "MV", content: "c" }));
  expect(() => log.append(rows(1, 4))).toThrow("ENOSPC");
  expect(log.lastSeq).toBe(0);
  fail = false;
  log.append(rows(1, 2));
  log.close();
  const reopened = SegmentLog.open(dir);
  expect(all(reopened).map(seqOf)).toEqual([1, 2]);
  reopened.close();
});

test("a last record whose seq or time a disk damaged does not move the numbering on", () => {
  const dir = tmpDir();
  const path = threeRecords(dir, 5000);
  const bytes = readFileSync(path);
  const third = (bytes.length / 3) * 2;
  bytes.writeDoubleLE(9e15, third + 8);
  bytes.writeDoubleLE(9e15, third + 16);
  writeFileSync(path, bytes);
  const log = SegmentLog.open(dir);
  expect([log.lastSeq, log.lastTs]).toEqual([3, 5000]);
  expect(all(log).map((r) => `${r.kind} ${seqOf(r)}`)).toEqual(["row 1", "row 2", "damaged 3"]);
  log.close();
});
