import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { escapeWire, oneLine } from "../../lib/log/escape.ts";

describe("escapeWire", () => {
  test("control characters, DEL, C1 and the backslash become \\xNN; the rest stays", () => {
    expect(escapeWire("id\n2026 [ERR] forged")).toBe("id\\x0a2026 [ERR] forged");
    expect(escapeWire("a\r\x00\x1b[2J\x7f\x85b")).toBe("a\\x0d\\x00\\x1b[2J\\x7f\\x85b");
    expect(escapeWire("back\\slash")).toBe("back\\x5cslash");
    expect(escapeWire("line\u2028sep")).toBe("line\\u2028sep");
    expect(escapeWire("plain é ✓ text")).toBe("plain é ✓ text");
  });

  test("any string escapes to one line of printable characters, and distinct strings stay distinct", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
        const e = escapeWire(a);
        expect(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(e)).toBe(false);
        if (a !== b) expect(escapeWire(b)).not.toBe(e);
      }),
    );
  });
});

describe("oneLine", () => {
  test("keeps a formatted record on one line ending in one newline", () => {
    expect(oneLine("2026 [WRN] zog: a\nb\n")).toBe("2026 [WRN] zog: a\\x0ab\n");
    expect(oneLine("no newline")).toBe("no newline\n");
  });
});
