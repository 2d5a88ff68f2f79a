import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { MESSAGE_LIMIT } from "../../lib/ring/message.ts";
import { InOrder, TextLines } from "../../lib/ring/text_lines.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("TextLines", () => {
  test("lines end at LF, across chunks; what has no LF yet waits", () => {
    const lines = new TextLines();
    expect(lines.push(enc("0hello\r\n0wor")).map((l) => [l.kind, dec(l.bytes)])).toEqual([["line", "0hello\r\n"]]);
    expect(lines.buffered).toBe(4);
    expect(lines.push(enc("ld\r\n")).map((l) => dec(l.bytes))).toEqual(["0world\r\n"]);
    expect(lines.buffered).toBe(0);
  });

  test("a line of MESSAGE_LIMIT bytes or more is reported once as overlong, the rest of it dropped", () => {
    const lines = new TextLines();
    const long = "0" + "x".repeat(MESSAGE_LIMIT * 3);
    const got = [...lines.push(enc(long.slice(0, 700))), ...lines.push(enc(long.slice(700) + "\r\n0next\r\n"))];
    expect(got.map((l) => l.kind)).toEqual(["overlong", "line"]);
    expect(got[0]!.bytes.length).toBe(MESSAGE_LIMIT);
    expect(dec(got[1]!.bytes)).toBe("0next\r\n");
    // The longest message that fits: MESSAGE_LIMIT - 1 bytes with its CRLF.
    const fits = "0" + "y".repeat(MESSAGE_LIMIT - 4) + "\r\n";
    expect(new TextLines().push(enc(fits)).map((l) => l.kind)).toEqual(["line"]);
    expect(new TextLines().push(enc("0" + fits)).map((l) => l.kind)).toEqual(["overlong"]);
  });

  test("any chunking gives the same lines", () => {
    const line = fc.string({ maxLength: 40 }).map((s) => `0${s.replace(/\n/g, "")}\r\n`);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (ls, cuts) => {
        const bytes = enc(ls.join(""));
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const lines = new TextLines();
        const got: string[] = [];
        let from = 0;
        for (const c of [...at, bytes.length]) {
          for (const l of lines.push(bytes.subarray(from, c))) got.push(dec(l.bytes));
          from = c;
        }
        expect(got).toEqual(ls);
      }),
    );
  });
});

describe("InOrder", () => {
  test("answers leave in slot order, whatever order they are given in", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }).chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n })),
        (order) => {
          const out: string[] = [];
          const answers = new InOrder((t) => out.push(t));
          const slots = order.map(() => answers.slot());
          for (const i of order) answers.answer(slots[i]!, `a${i}`);
          expect(out).toEqual(order.map((_, i) => `a${i}`));
          expect(answers.pending).toBe(0);
        },
      ),
    );
  });
});
