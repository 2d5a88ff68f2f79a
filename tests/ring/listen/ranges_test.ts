// lib/ring/listen/ranges.ts: the seq ranges of EVENT_ACK and durable state.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { decodeRanges, encodeRanges, inRanges } from "../../../lib/ring/listen/ranges.ts";

test("seq ranges round-trip any set of seqs", () => {
  expect(encodeRanges([3, 1, 2, 7, 7])).toBe("1-3,7");
  expect(decodeRanges("1-3,7")).toEqual([
    [1, 3],
    [7, 7],
  ]);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { maxLength: 300 }), (seqs) => {
      const text = encodeRanges(seqs);
      if (seqs.length === 0) return text === "";
      const ranges = decodeRanges(text);
      const back = ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i));
      expect(back).toEqual([...seqs].sort((a, b) => a - b));
      for (const s of seqs) expect(inRanges(ranges, s)).toBe(true);
    }),
  );
  for (const bad of ["", "0", "3-1", "a", "1-", "1,,2", "-4"]) expect(() => decodeRanges(bad)).toThrow("seqs:");
  expect(() => decodeRanges(Array(5000).fill("1").join(","))).toThrow("more than 4096 runs");
});
