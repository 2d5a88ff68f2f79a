// The last stderr line of a vassal (lib/emperor/last_line.ts): found whatever the chunking,
// blank lines skipped, escaped to one line and bounded.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { LAST_LINE_BYTES, LastLine } from "../../lib/emperor/last_line.ts";

const enc = new TextEncoder();

function lastOf(chunks: string[]): string | undefined {
  const t = new LastLine();
  for (const c of chunks) t.push(enc.encode(c));
  return t.line();
}

test("a traceback's last line, with blank lines after it; an unfinished line counts; none when nothing was written", () => {
  const tb = 'Traceback (most recent call last):\n  File "x.py", line 1\nOSError: [Errno 98] Address already in use\n\n  \n';
  expect(lastOf([tb])).toBe("OSError: [Errno 98] Address already in use");
  expect(lastOf(["first\n", "second without end"])).toBe("second without end");
  expect(lastOf(["a\r\n"])).toBe("a");
  expect(lastOf([])).toBeUndefined();
  expect(lastOf(["\n\n  \n"])).toBeUndefined();
});

test("control characters are escaped, and a long line is clipped to LAST_LINE_BYTES", () => {
  expect(lastOf(["bad \x1b[31mred\x07\n"])).toBe("bad \\x1b[31mred\\x07");
  const long = lastOf(["x".repeat(100_000) + "\n"])!;
  expect(long.startsWith("x".repeat(LAST_LINE_BYTES))).toBe(true);
  expect(long.length).toBeLessThan(LAST_LINE_BYTES + 40);
});

test("property: however the output is cut into chunks, the last non-blank line is the same", () => {
  const line = fc.stringMatching(/^[a-z ]{0,12}$/);
  fc.assert(
    fc.property(fc.array(line, { maxLength: 8 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 6 }), (lines, endNl, cuts) => {
      const whole = lines.join("\n") + (endNl && lines.length > 0 ? "\n" : "");
      const want = lines
        .map((l) => l.trim())
        .filter((l) => l !== "")
        .at(-1);
      const at = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
      const chunks: string[] = [];
      let from = 0;
      for (const c of at) {
        chunks.push(whole.slice(from, c));
        from = c;
      }
      chunks.push(whole.slice(from));
      expect(lastOf(chunks)).toBe(want);
    }),
  );
});
