import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RecordEncoder, type SegmentRow } from "../../../lib/ring/listen/segment_format.ts";
import { ChunkReader } from "../../../lib/ring/listen/segment_reader.ts";
import { removeTmpDirs, tmpDir } from "../../helpers/procs.ts";

afterAll(() => removeTmpDirs());

test("records are seen once each, in order, whatever the chunk and first read sizes, also records larger than the buffer", () => {
  const dir = tmpDir();
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 32, max: 300 }),
      fc.integer({ min: 1, max: 500 }),
      fc.nat(),
      (sizes, chunk, first, cut) => {
        const rows: SegmentRow[] = sizes.map((n, i) => ({ seq: i + 1, ts: 7, id: `i${i}`, origin: "MV", content: "c".repeat(n) }));
        const ends: number[] = [];
        const bytes = Buffer.from(new RecordEncoder().encode(rows, ends));
        // Cut inside the last record or not at all: a torn tail where the whole records end.
        const keep = cut % 2 === 0 ? bytes.length : bytes.length - 1 - (cut % (bytes.length - (ends.at(-2) ?? 0)));
        const path = join(dir, "walk.seg");
        writeFileSync(path, bytes.subarray(0, keep));
        const fd = openSync(path, "r");
        const seen: number[] = [];
        const end = new ChunkReader(chunk).walk(fd, 0, keep, (_b, _a, head) => void seen.push(head.seq), first);
        closeSync(fd);
        const whole = ends.filter((e) => e <= keep).length;
        expect(seen).toEqual(rows.slice(0, whole).map((r) => r.seq));
        const wholeEnd = ends[whole - 1] ?? 0;
        expect(end).toEqual({ at: wholeEnd, torn: keep > wholeEnd });
      },
    ),
    { numRuns: 200 },
  );
});

test("a walk stops where the visit says, at the end of that record", () => {
  const dir = tmpDir();
  const ends: number[] = [];
  const bytes = new RecordEncoder().encode(
    [1, 2, 3].map((seq) => ({ seq, ts: 1, id: "a", origin: "MV", content: "x" })),
    ends,
  );
  writeFileSync(join(dir, "s.seg"), bytes);
  const fd = openSync(join(dir, "s.seg"), "r");
  expect(new ChunkReader().walk(fd, 0, bytes.length, (_b, _a, head) => head.seq < 2)).toEqual({ at: ends[1]!, torn: false });
  closeSync(fd);
});
