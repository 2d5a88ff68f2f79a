// Bounding input quoted in replies and log lines.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { clipInput, quoteInput } from "../../lib/log/mod.ts";

const bytes = (s: string) => new TextEncoder().encode(s).byteLength;

test("short input is kept as it is; long input is cut and its size said", () => {
  expect(clipInput("n1")).toBe("n1");
  expect(clipInput("a".repeat(100_000), 3)).toBe("aaa…(100000 bytes)");
  expect(quoteInput("n1")).toBe('"n1"');
  expect(quoteInput("a".repeat(100_000), 3)).toBe('"aaa"…(100000 bytes)');
  expect(quoteInput("é".repeat(3), 3)).toBe('"é"…(6 bytes)');
});

test("a clipped value never passes max bytes plus its suffix, and never splits a character", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), fc.integer({ min: 0, max: 200 }), (s, max) => {
      const out = clipInput(s, max);
      if (bytes(s) <= max) return expect(out).toBe(s);
      const cut = out.slice(0, out.lastIndexOf("…("));
      expect(out.endsWith(`…(${bytes(s)} bytes)`)).toBe(true);
      expect(bytes(cut)).toBeLessThanOrEqual(max);
      expect(s.startsWith(cut)).toBe(true);
      expect(cut).toBe(new TextDecoder().decode(new TextEncoder().encode(cut)));
    }),
  );
});
