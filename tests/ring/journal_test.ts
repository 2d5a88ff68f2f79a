import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { IdSet } from "../../lib/ring/dedup.ts";
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

describe("bounded memories", () => {
  test("IdSet forgets the oldest past its capacity", () => {
    const s = new IdSet(3);
    for (const id of ["a", "b", "c", "d"]) s.add(id);
    expect(s.has("a")).toBe(false);
    expect([...s.values()]).toEqual(["b", "c", "d"]);
  });

  test("property: IdSet holds exactly the last `capacity` distinct ids, oldest first", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 300 }), (cap, xs) => {
        const s = new IdSet(cap);
        const model: string[] = [];
        for (const x of xs) {
          const id = `i${x}`;
          s.add(id);
          if (!model.includes(id)) model.push(id);
          if (model.length > cap) model.shift();
        }
        expect([...s.values()]).toEqual(model);
        expect(s.size).toBe(model.length);
      }),
    );
  });

  test("property: under adds, deletes and lookups of any ids (non-ASCII and over-long ones too) IdSet answers as a ring of `capacity` places", () => {
    const idArb = fc.oneof(
      fc.integer({ min: 0, max: 80 }).map((x) => `370c96ab9a7975fb-${x}`),
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 3 }).map((x) => `${"é".repeat(130)}${x}`),
      fc.integer({ min: 0, max: 3 }).map((x) => `${"L".repeat(300)}${x}`),
    );
    const op = fc.record({ kind: fc.constantFrom("add", "add", "add", "delete", "has"), id: idArb });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 400 }), (cap, ops) => {
        const s = new IdSet(cap);
        // The model: a ring of places (a deleted id keeps its place until its turn), and the over-long ids apart.
        const long = (id: string) => new TextEncoder().encode(id).byteLength > 255;
        const ring: { id: string; gone: boolean }[] = [];
        const longs: string[] = [];
        const held = (id: string) => (long(id) ? longs.includes(id) : ring.some((r) => r.id === id && !r.gone));
        for (const { kind, id } of ops) {
          if (kind === "has") expect(s.has(id)).toBe(held(id));
          else if (kind === "delete") {
            s.delete(id);
            if (long(id)) longs.splice(longs.indexOf(id) >>> 0, longs.includes(id) ? 1 : 0);
            else for (const r of ring) if (r.id === id) r.gone = true;
          } else {
            s.add(id);
            if (held(id)) continue;
            if (long(id)) {
              if (longs.length >= cap) longs.shift();
              longs.push(id);
            } else {
              if (ring.length >= cap) ring.shift();
              ring.push({ id, gone: false });
            }
          }
        }
        const live = [...ring.filter((r) => !r.gone).map((r) => r.id), ...longs];
        expect([...s.values()]).toEqual(live);
        expect(s.size).toBe(live.length);
        for (const id of live) expect(s.has(id)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test("IdSet keeps 500 000 ids through growth and wrap-around, and forgets exactly the oldest", () => {
    const s = new IdSet(500_000);
    for (let i = 0; i < 1_200_000; i++) s.add(`370c96ab9a7975fb-${i}`);
    expect(s.size).toBe(500_000);
    // Every held id is found (probe runs stay whole through 700 000 removals) and no forgotten one.
    let found = 0;
    for (let i = 700_000; i < 1_200_000; i++) if (s.has(`370c96ab9a7975fb-${i}`)) found++;
    expect(found).toBe(500_000);
    let ghosts = 0;
    for (let i = 0; i < 700_000; i += 7) if (s.has(`370c96ab9a7975fb-${i}`)) ghosts++;
    expect(ghosts).toBe(0);
    const first = s.values().next().value;
    expect(first).toBe("370c96ab9a7975fb-700000");
  });
});
