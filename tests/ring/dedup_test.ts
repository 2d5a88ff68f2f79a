// lib/ring/dedup.ts: the bounded de-duplication table (IdSet) a node remembers message ids in.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { IdSet } from "../../lib/ring/dedup.ts";

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

  test("property: clients' ids (kept packed) and ids of nearly their form (kept as text) are each held as themselves, never as one another", () => {
    const hex = fc.constantFrom("370c96ab9a7975fb", "370c96ab9a7975fc", "ffffffffffffffff", "0000000000000000");
    const seq = fc.oneof(fc.nat(300), fc.constantFrom(127, 128, 16_383, 16_384, 999_999_999_999_999, 2 ** 53 - 1));
    const idArb = fc.oneof(
      fc.tuple(hex, seq).map(([h, n]) => `${h}-${n}`),
      fc.tuple(hex, seq).map(([h, n]) => `${h}-0${n}`),
      fc.tuple(hex, seq).map(([h, n]) => `${h.toUpperCase()}-${n}`),
      fc.tuple(hex, seq).map(([h, n]) => `${h}_${n}`),
      fc.tuple(hex, seq).map(([h, n]) => `${h}-${n}x`),
      fc.tuple(hex, seq).map(([h, n]) => `${h.slice(1)}-${n}`),
      fc.tuple(hex, seq).map(([h, n]) => `${h}-${n}`.replace("-", "é")),
    );
    fc.assert(
      fc.property(fc.array(idArb, { maxLength: 200 }), fc.array(idArb, { maxLength: 50 }), (adds, probes) => {
        const s = new IdSet(1000);
        const model: string[] = [];
        for (const id of adds) {
          expect(s.add(id)).toBe(!model.includes(id));
          if (!model.includes(id)) model.push(id);
        }
        for (const id of probes) expect(s.has(id)).toBe(model.includes(id));
        expect([...s.values()]).toEqual(model);
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
            // add answers whether the id was new: what has() said just before it.
            expect(s.add(id)).toBe(!held(id));
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
