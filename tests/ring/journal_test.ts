import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { checksum, journalLine, parseJournalLine, parseJournalLineV1, type JournalRecord } from "../../lib/ring/journal_format.ts";
import { alreadyLogged, replayJournal } from "../../lib/ring/journal_replay.ts";

let nextSeq = 1;
const M = (id: string, dests: [number, number][], content = `c ${id}`, seq = nextSeq++): JournalRecord => ({
  kind: "M",
  seq,
  id,
  origin: 0,
  dests: new Map(dests),
  content,
});
const V = (seq = 0): JournalRecord => ({ kind: "V", version: 2, seq });
const text = (recs: JournalRecord[]) => recs.map((r) => journalLine(r)).join("");

describe("journal format", () => {
  test("records round-trip with their checksum, content with spaces included", () => {
    const recs: JournalRecord[] = [
      V(41),
      M(
        "a-1",
        [
          [1, 2],
          [2, 2],
        ],
        "hello world  with  spaces",
        42,
      ),
      { kind: "F", id: "b", origin: 3, dests: new Map(), content: "" },
      { kind: "P", seq: 42, offset: 1234 },
      { kind: "K", peer: 4, id: "a-1" },
      { kind: "L", seq: 17 },
      { kind: "S", id: "x:y" },
    ];
    for (const r of recs) expect(parseJournalLine(journalLine(r).slice(0, -1))).toEqual(r);
    expect(journalLine({ kind: "L", seq: 17 })).toBe(`L 17 ${checksum("L 17")}\n`);
  });

  test("A: the acknowledgements of one OK_BATCH on one line, replayed like K lines", () => {
    const rec: JournalRecord = { kind: "A", peer: 2, ids: ["a", "b-1", "c:2"] };
    expect(journalLine(rec)).toBe(`A 2 a b-1 c:2 ${checksum("A 2 a b-1 c:2")}\n`);
    expect(parseJournalLine(journalLine(rec).slice(0, -1))).toEqual(rec);
    const s = replayJournal(
      text([
        V(),
        M("a", [[2, 0]]),
        M("b", [
          [2, 0],
          [3, 0],
        ]),
        M("c", [[2, 0]]),
        { kind: "A", peer: 2, ids: ["a", "b"] },
        { kind: "K", peer: 3, id: "b" },
      ]),
    );
    expect([...s.pending.keys()]).toEqual(["c"]);
  });

  test("a line whose checksum fails is not a record, whatever bit of it flipped", () => {
    const line = journalLine(M("a-1", [[1, 2]], "some content", 7)).slice(0, -1);
    for (let i = 0; i < line.length; i++) {
      for (const bit of [1, 2, 4, 8, 16, 32, 64]) {
        const flipped = line.slice(0, i) + String.fromCharCode(line.charCodeAt(i) ^ bit) + line.slice(i + 1);
        expect(parseJournalLine(flipped)).toBeUndefined();
      }
    }
    expect(parseJournalLine("L 1")).toBeUndefined();
    expect(parseJournalLine("")).toBeUndefined();
  });

  test("format 1 lines (no checksum, M without seq, L with a count) are read by parseJournalLineV1", () => {
    expect(parseJournalLineV1("M a-1 0 1:2,2:2 hello")).toEqual({
      kind: "M",
      seq: 0,
      id: "a-1",
      origin: 0,
      dests: new Map([
        [1, 2],
        [2, 2],
      ]),
      content: "hello",
    });
    expect(parseJournalLineV1("L 42")).toEqual({ kind: "L", seq: 42 });
    expect(parseJournalLineV1("M a-1 0 1:2")).toBeUndefined();
  });
});

describe("journal replay", () => {
  test("pending is what peers have not acknowledged; L marks what access.log has", () => {
    nextSeq = 1;
    const s = replayJournal(
      `${text([
        V(),
        M("a", [
          [1, 2],
          [2, 2],
        ]),
        M("b", [[1, 2]]),
        { kind: "K", peer: 1, id: "a" },
        { kind: "K", peer: 1, id: "b" },
        { kind: "L", seq: 1 },
        M("c", []),
      ])}M 4 torn`,
    );
    expect(s.version).toBe(2);
    expect([...s.pending.keys()]).toEqual(["a"]);
    expect([...s.pending.get("a")!.dests]).toEqual([[2, 2]]);
    expect(s.lastSeq).toBe(3);
    expect(s.loggedSeq).toBe(1);
    expect(s.unconfirmed.map((e) => [e.id, e.seq])).toEqual([
      ["b", 2],
      ["c", 3],
    ]);
    expect(s.damaged).toEqual([]);
    expect(s.tornFrom).toBeGreaterThan(0);
    expect(s.tornLines).toBe(0);
    expect(s.seen.has("c")).toBe(true);
  });

  test("a damaged line in the middle is a damaged range, not replayed; bad lines at the end are the torn tail", () => {
    nextSeq = 1;
    const good = text([V(), M("a", [[1, 0]]), M("b", [[1, 0]]), M("c", [[1, 0]]), { kind: "L", seq: 3 }]);
    const lines = good.split("\n");
    // Flip a bit in b's record: its id must not come back, and it is reported.
    lines[2] = lines[2]!.replace("c b", "c B");
    const s = replayJournal(lines.join("\n"));
    expect(s.seen.has("b")).toBe(false);
    expect(s.seen.has("B")).toBe(false);
    expect(s.damaged.length).toBe(1);
    expect(s.damaged[0]!.lines).toBe(1);
    expect(s.tornFrom).toBeUndefined();
    expect(s.loggedSeq).toBe(3);
    // A cut inside the last lines: never read past the last good record.
    const cut = replayJournal(good.slice(0, good.length - 20));
    expect(cut.tornFrom).toBe(good.lastIndexOf("M 3 "));
    expect(cut.lastSeq).toBe(2);
    expect(cut.seen.has("c")).toBe(false);
  });

  test("P lines before the L mark are kept with the records after them, to count offsets from", () => {
    nextSeq = 1;
    const s = replayJournal(
      text([
        V(),
        M("a", []),
        M("b", []),
        { kind: "P", seq: 1, offset: 0 },
        { kind: "L", seq: 1 },
        M("c", []),
        { kind: "P", seq: 3, offset: 60 },
      ]),
    );
    expect(s.unconfirmed.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect([...s.offsets]).toEqual([
      [1, 0],
      [3, 60],
    ]);
  });

  test("a journal without a V line is read as format 1: M records numbered in order, L a count", () => {
    const s = replayJournal("M a 0 1:2 x\nM b 0 1:2 y\nL 1\nM c 0 - z\n");
    expect(s.version).toBe(1);
    expect(s.unconfirmed.map((e) => e.id)).toEqual(["b", "c"]);
    expect(s.v1).toEqual({ recorded: 3, count: 1 });
  });

  test("alreadyLogged finds how many unconfirmed records end access.log", () => {
    expect(alreadyLogged(["a", "b"], ["x", "a"])).toBe(1);
    expect(alreadyLogged(["a", "b"], ["a", "b"])).toBe(2);
    expect(alreadyLogged(["a", "b"], ["x", "y"])).toBe(0);
    expect(alreadyLogged([], ["x"])).toBe(0);
  });

  test("property: any cut of a journal replays exactly the whole records before it, and no id after", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,6}$/), { minLength: 1, maxLength: 20 }), fc.nat(), (ids, at) => {
        nextSeq = 1;
        const full = text([V(), ...ids.map((id) => M(id, [[1, 0]]))]);
        const cut = at % (full.length + 1);
        const s = replayJournal(full.slice(0, cut));
        const whole = full.slice(0, cut).split("\n").length - 1;
        // Whole lines are V then one M per id.
        const kept = Math.max(0, whole - 1);
        for (let i = 0; i < ids.length; i++) expect(s.seen.has(ids[i]!)).toBe(i < kept);
      }),
    );
  });
});
