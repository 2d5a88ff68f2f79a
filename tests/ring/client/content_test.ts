import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  ACCESS_LOG_PREFIX_COLUMNS,
  contentLengthRange,
  contentProblem,
  LOG_LINE_COLUMNS,
  MAX_CONTENT_BYTES,
  pzogMessage,
  randomContent,
} from "../../../lib/ring/client/content.ts";

describe("random content", () => {
  test("is 32.. printable ASCII characters and keeps the access.log line within 80 columns", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 80, maxLength: 80 }), (floats) => {
        let k = 0;
        const s = randomContent(() => floats[k++ % floats.length]!);
        expect(s.length).toBeGreaterThanOrEqual(32);
        expect(s.length).toBeLessThanOrEqual(63);
        expect(s).toMatch(/^[\x21-\x7e]+$/);
        expect(ACCESS_LOG_PREFIX_COLUMNS + s.length).toBeLessThanOrEqual(LOG_LINE_COLUMNS);
        expect(contentProblem(s)).toBeUndefined();
      }),
    );
  });

  test("covers the whole length range", () => {
    const [min, max] = contentLengthRange();
    expect(randomContent(() => 0).length).toBe(min);
    expect(randomContent(() => 0.999999).length).toBe(max);
  });

  test("length range for any prefix width stays within 80 columns and never empty", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), (prefix) => {
        const [min, max] = contentLengthRange(prefix);
        expect(min).toBeGreaterThanOrEqual(1);
        expect(min).toBeLessThanOrEqual(max);
        expect(max).toBeLessThanOrEqual(63);
        if (prefix + 32 <= 80) expect(min).toBe(32);
        if (prefix <= 79) expect(prefix + max).toBeLessThanOrEqual(80);
      }),
    );
  });
});

describe("pzog messages", () => {
  test("frames content with the wrapping digit and CRLF", () => {
    expect(new TextDecoder().decode(pzogMessage("hello wörld"))).toBe("0hello wörld\r\n");
  });

  test("stays under 512 bytes for any sendable content", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (s) => {
        if (contentProblem(s) === undefined) expect(pzogMessage(s).byteLength).toBeLessThan(512);
        else expect(() => pzogMessage(s)).toThrow(RangeError);
      }),
    );
  });

  test("the size it counts is the UTF-8 encoding's, lone surrogates included (3 bytes each, as encoded)", () => {
    const utf8 = new TextEncoder();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 600 }),
          fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
        ),
        (s) => {
          const fits = !/[\r\n]/.test(s) && utf8.encode(s).byteLength <= MAX_CONTENT_BYTES;
          expect(contentProblem(s) === undefined).toBe(fits);
        },
      ),
    );
  });

  test("refuses line breaks and oversize content with a reason", () => {
    expect(contentProblem("a\nb")).toBe("it holds a line break");
    expect(contentProblem("x".repeat(MAX_CONTENT_BYTES))).toBeUndefined();
    expect(contentProblem("x".repeat(MAX_CONTENT_BYTES + 1))).toContain("509 bytes");
    expect(contentProblem("é".repeat(255))).toContain("510 bytes");
    expect(() => pzogMessage("a\r\nb")).toThrow('cannot send "a\\r\\nb": it holds a line break');
  });
});
