import { expect, test } from "bun:test";
import fc from "fast-check";
import { RECORD_HEAD, readRecord, RecordEncoder, type SegmentRow } from "../../../lib/ring/listen/segment_format.ts";

const row = fc.record({
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  ts: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  id: fc.string({ unit: "grapheme", maxLength: 40 }),
  origin: fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }),
  content: fc.string({ unit: "grapheme", maxLength: 300 }),
});

/** Every record of `bytes`, in order, as read back. */
function readAll(bytes: Buffer): ReturnType<typeof readRecord>[] {
  const out: ReturnType<typeof readRecord>[] = [];
  for (let at = 0; at < bytes.length;) {
    const r = readRecord(bytes, at);
    out.push(r);
    if (r.kind === "torn") break;
    at = r.end;
  }
  return out;
}

test("records read back as written, in order, whatever their text", () => {
  fc.assert(
    fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
      const bytes = Buffer.from(new RecordEncoder().encode(rows));
      expect(readAll(bytes).map((r) => (r.kind === "row" ? r.row : r.kind))).toEqual(rows);
    }),
  );
});

test("a flipped byte makes its record damaged or torn, never a different row", () => {
  fc.assert(
    fc.property(fc.array(row, { minLength: 1, maxLength: 10 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (rows, pick, flip) => {
      const bytes = Buffer.from(new RecordEncoder().encode(rows));
      const at = pick % bytes.length;
      bytes[at]! ^= flip;
      for (const r of readAll(bytes)) if (r.kind === "row") expect(rows).toContainEqual(r.row);
    }),
  );
});

test("a record cut short is torn; the records before it are whole", () => {
  const rows: SegmentRow[] = [
    { seq: 1, ts: 5, id: "a", origin: "MV", content: "one" },
    { seq: 2, ts: 5, id: "b", origin: "MV", content: "two" },
  ];
  const bytes = Buffer.from(new RecordEncoder().encode(rows));
  const cut = bytes.subarray(0, bytes.length - 2);
  expect(readAll(cut).map((r) => r.kind)).toEqual(["row", "torn"]);
  expect(readRecord(cut, 0)).toEqual({ kind: "row", row: rows[0]!, end: RECORD_HEAD + 1 + 2 + 3 });
});

test("the encoder grows for a record larger than its buffer", () => {
  const big = { seq: 1, ts: 1, id: "x", origin: "MV", content: "é".repeat(100_000) };
  const bytes = new RecordEncoder().encode([big]);
  expect(readRecord(Buffer.from(bytes), 0)).toMatchObject({ kind: "row", row: big });
});
