import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { journalLine, parseJournalLine, type JournalRecord } from "../../lib/ring/journal_format.ts";
import { alreadyLogged, replayJournal } from "../../lib/ring/journal_replay.ts";

const M = (id: string, dests: [number, number][], content = `c ${id}`): JournalRecord => ({
  kind: "M",
  id,
  origin: 0,
  dests: new Map(dests),
  content,
});

describe("journal format", () => {
  test("records round-trip, content with spaces included", () => {
    const recs: JournalRecord[] = [
      M(
        "a-1",
        [
          [1, 2],
          [2, 2],
        ],
        "hello world  with  spaces",
      ),
      { kind: "F", id: "b", origin: 3, dests: new Map(), content: "" },
      { kind: "K", peer: 4, id: "a-1" },
      { kind: "L", count: 17 },
      { kind: "S", id: "x:y" },
    ];
    for (const r of recs) expect(parseJournalLine(journalLine(r).slice(0, -1))).toEqual(r);
  });

  test("A: the acknowledgements of one OK_BATCH on one line, replayed like K lines", () => {
    const rec: JournalRecord = { kind: "A", peer: 2, ids: ["a", "b-1", "c:2"] };
    expect(journalLine(rec)).toBe("A 2 a b-1 c:2\n");
    expect(parseJournalLine("A 2 a b-1 c:2")).toEqual(rec);
    expect(parseJournalLine("A 2")).toBeUndefined();
    expect(parseJournalLine("A x a")).toBeUndefined();
    expect(parseJournalLine("A 2 a  b")).toBeUndefined();
    const text = [
      M("a", [[2, 0]]),
      M("b", [
        [2, 0],
        [3, 0],
      ]),
      M("c", [[2, 0]]),
      { kind: "A", peer: 2, ids: ["a", "b"] },
      { kind: "K", peer: 3, id: "b" },
    ]
      .map((r) => journalLine(r as JournalRecord))
      .join("");
    const s = replayJournal(text.split("\n"));
    expect([...s.pending.keys()]).toEqual(["c"]);
  });

  test("torn lines are not records", () => {
    expect(parseJournalLine("M a-1 0 1:2")).toBeUndefined();
    expect(parseJournalLine("K 1")).toBeUndefined();
    expect(parseJournalLine("L x")).toBeUndefined();
    expect(parseJournalLine("")).toBeUndefined();
  });
});

describe("journal replay", () => {
  test("pending is what peers have not acknowledged; L marks what access.log has", () => {
    const text = [
      M("a", [
        [1, 2],
        [2, 2],
      ]),
      M("b", [[1, 2]]),
      { kind: "K", peer: 1, id: "a" },
      { kind: "K", peer: 1, id: "b" },
      { kind: "L", count: 1 },
      M("c", []),
    ]
      .map((r) => journalLine(r as JournalRecord))
      .join("");
    const s = replayJournal(`${text}M torn`.split("\n"));
    expect([...s.pending.keys()]).toEqual(["a"]);
    expect([...s.pending.get("a")!.dests]).toEqual([[2, 2]]);
    expect(s.recorded).toBe(3);
    expect(s.unconfirmed.map((e) => e.id)).toEqual(["b", "c"]);
    expect(s.skipped).toBe(1);
    expect(s.seen.has("c")).toBe(true);
  });

  test("alreadyLogged finds how many unconfirmed records end access.log", () => {
    expect(alreadyLogged(["a", "b"], ["x", "a"])).toBe(1);
    expect(alreadyLogged(["a", "b"], ["a", "b"])).toBe(2);
    expect(alreadyLogged(["a", "b"], ["x", "y"])).toBe(0);
    expect(alreadyLogged([], ["x"])).toBe(0);
  });

  test("property: a crash after any prefix of the access writes is repaired to exactly the records", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 20 }), fc.nat(), (contents, cut) => {
        const k = contents.length === 0 ? 0 : cut % (contents.length + 1);
        const logged = contents.slice(0, k);
        const repaired = [...logged, ...contents.slice(alreadyLogged(contents, logged))];
        expect(repaired).toEqual(contents);
      }),
    );
  });
});
