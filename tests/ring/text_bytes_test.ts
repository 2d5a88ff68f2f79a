import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { Entry } from "../../lib/ring/entry.ts";
import { destsText, journalLine } from "../../lib/ring/journal_format.ts";
import { accessLine } from "../../lib/ring/message.ts";
import { accessLines, messageRecord, TextBytes } from "../../lib/ring/text_bytes.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const idArb = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
/** Contents as a valid message holds them: no CR or LF, any text (ASCII or not). */
const contentArb = fc.oneof(
  fc.stringMatching(/^[ -~]{0,200}$/),
  fc.string({ unit: "grapheme", maxLength: 60 }).filter((s) => !/[\r\n]/.test(s)),
);
const destsArb = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 6 })), {
  selector: (p) => p[0],
  maxLength: 6,
});

/** An entry as the node records it: the message's bytes (any wrapping digit), its content as text. */
function entry(seq: number, id: string, origin: number, content: string, digit: number, pairs: [number, number][]): Entry {
  return { id, origin, content, msg: enc(`${digit}${content}\r\n`), dests: new Map(pairs), seq };
}

describe("a commit's text as bytes", () => {
  test("property: an M record copied from the bytes received is the journal's line for it, or nothing when not ASCII", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 2 ** 40 }), idArb, fc.nat({ max: 20 }), contentArb, fc.nat({ max: 9 }), destsArb), {
          maxLength: 40,
        }),
        (records) => {
          const t = new TextBytes(64);
          let want = "";
          for (const [seq, id, origin, content, digit, pairs] of records) {
            const e = entry(seq, id, origin, content, digit, pairs);
            const line = journalLine({ kind: "M", seq, id, origin, dests: e.dests, content });
            const before = t.length;
            if (messageRecord(t, e, destsText(e.dests))) want += line;
            else {
              expect(/^[\x00-\x7f]*$/.test(content)).toBe(false);
              expect(t.length).toBe(before);
            }
          }
          expect(t.view().toString("utf8")).toBe(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("property: access lines copied from the bytes received are accessLine's, or undefined when one is not ASCII", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(contentArb, fc.nat({ max: 9 })), { maxLength: 50 }), (contents) => {
        const t = new TextBytes(32);
        const entries = contents.map(([c, digit], i) => entry(i + 1, `a-${i}`, 0, c, digit, []));
        const bytes = accessLines(t, "20261122T030442Z", entries);
        const ascii = contents.every(([c]) => /^[\x00-\x7f]*$/.test(c));
        if (!ascii) return expect(bytes).toBeUndefined();
        expect(Buffer.from(bytes!).toString("utf8")).toBe(entries.map((e) => accessLine("20261122T030442Z", e.content)).join(""));
      }),
      { numRuns: 300 },
    );
  });

  test("an entry without the bytes it came as (replayed, fetched) is written as text by the caller", () => {
    const t = new TextBytes();
    const e: Entry = { id: "a-1", origin: 0, content: "hi", dests: new Map(), seq: 1 };
    expect(messageRecord(t, e, "-")).toBe(false);
    expect(accessLines(t, "20261122T030442Z", [e])).toBeUndefined();
  });

  test("a content whose bytes begin with a byte-order mark is not copied: its text lost the mark when decoded", () => {
    const msg = new Uint8Array([0x30, 0xef, 0xbb, 0xbf, 0x68, 0x69, 13, 10]);
    const e: Entry = { id: "a-1", origin: 0, content: "hi", msg, dests: new Map(), seq: 1 };
    expect(messageRecord(new TextBytes(), e, "-")).toBe(false);
  });

  test("a buffer grown by a large commit keeps its bytes, and is let go at the next reset", () => {
    const t = new TextBytes(16);
    const big = "x".repeat(300_000);
    t.text(big);
    t.byte(10);
    expect(t.length).toBe(300_001);
    expect(t.view().subarray(299_998).toString()).toBe("xx\n");
    t.reset();
    t.ascii("ok");
    expect(t.view().toString()).toBe("ok");
  });
});
