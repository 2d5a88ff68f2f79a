import { expect, test } from "bun:test";
import fc from "fast-check";
import { meets, parseConstraint } from "../../lib/vassal/constraints.ts";
import { choose, placeAll, type Slot, type Want } from "../../lib/zeus/placement.ts";

const empty = (node: string, max = 100): Slot => ({ node, max, load: 0 });

test("the emperor with the most free slots wins, ties by name", () => {
  expect(
    choose(
      [
        { node: "a", max: 10, load: 3 },
        { node: "b", max: 10, load: 1 },
      ],
      1,
    ),
  ).toEqual(["b"]);
  expect(
    choose(
      [
        { node: "b", max: 10, load: 0 },
        { node: "a", max: 10, load: 0 },
      ],
      1,
    ),
  ).toEqual(["a"]);
  expect(
    choose(
      [
        { node: "a", max: 50, load: 20 },
        { node: "b", max: 10, load: 0 },
      ],
      1,
    ),
  ).toEqual(["a"]);
});

test("full and excluded emperors are skipped; no room gives fewer nodes", () => {
  const slots = [{ node: "a", max: 1, load: 1 }, empty("b"), empty("c")];
  expect(choose(slots, 3, new Set(["b"]))).toEqual(["c"]);
  expect(choose([{ node: "a", max: 1, load: 1 }], 1)).toEqual([]);
});

test("thirty vassals over three emperors: 10/10/10", () => {
  const wants = Array.from({ length: 30 }, (_, i) => ({ name: `v${i}.toml`, missing: 1, exclude: new Set<string>() }));
  const placed = placeAll([empty("e1"), empty("e2"), empty("e3")], wants);
  const counts: Record<string, number> = {};
  for (const nodes of placed.values()) for (const n of nodes) counts[n] = (counts[n] ?? 0) + 1;
  expect(counts).toEqual({ e1: 10, e2: 10, e3: 10 });
});

test("nodes = 3 lands on three distinct emperors", () => {
  const placed = placeAll([empty("e1"), empty("e2"), empty("e3")], [{ name: "x.toml", missing: 3, exclude: new Set() }]);
  expect(new Set(placed.get("x.toml")).size).toBe(3);
});

const arbSlots = fc.uniqueArray(
  fc.record({
    node: fc.string({ minLength: 1, maxLength: 4 }),
    max: fc.integer({ min: 0, max: 20 }),
    load: fc.integer({ min: 0, max: 20 }),
  }),
  { minLength: 1, maxLength: 8, selector: (s) => s.node },
);
const arbWants = fc.array(fc.record({ missing: fc.integer({ min: 1, max: 4 }) }), { maxLength: 60 });

test("property: never over capacity, copies distinct, never fewer than the room allows", () => {
  fc.assert(
    fc.property(arbSlots, arbWants, (slots, ws) => {
      const wants = ws.map((w, i) => ({ name: `v${i}`, missing: w.missing, exclude: new Set<string>() }));
      const placed = placeAll(slots, wants);
      const load = new Map(slots.map((s) => [s.node, s.load]));
      for (const w of wants) {
        const nodes = placed.get(w.name)!;
        expect(new Set(nodes).size).toBe(nodes.length);
        expect(nodes.length).toBeLessThanOrEqual(w.missing);
        const withRoom = slots.filter((s) => s.max - load.get(s.node)! > 0).length;
        expect(nodes.length).toBe(Math.min(w.missing, withRoom));
        for (const n of nodes) load.set(n, load.get(n)! + 1);
      }
      for (const s of slots) expect(load.get(s.node)!).toBeLessThanOrEqual(Math.max(s.max, s.load));
    }),
  );
});

test("property: equal empty emperors stay balanced within one vassal", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 200 }), (n, v) => {
      const slots = Array.from({ length: n }, (_, i) => empty(`e${i}`, 1000));
      const wants = Array.from({ length: v }, (_, i) => ({ name: `v${i}`, missing: 1, exclude: new Set<string>() }));
      const counts = new Map(slots.map((s) => [s.node, 0]));
      for (const nodes of placeAll(slots, wants).values()) for (const x of nodes) counts.set(x, counts.get(x)! + 1);
      const c = [...counts.values()];
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    }),
  );
});

const zoned = (node: string, zone: string, load = 0): Slot => ({ node, max: 10, load, labels: { zone } });

test("constraints: only emperors meeting every constraint are chosen", () => {
  const slots = [zoned("a1", "a"), zoned("b1", "b"), { ...zoned("a2", "a", 5), labels: { zone: "a", ssd: "yes" } }];
  expect(choose(slots, 3, new Set(), { constraints: [parseConstraint("zone=a")!] })).toEqual(["a1", "a2"]);
  expect(choose(slots, 3, new Set(), { constraints: [parseConstraint("zone=a")!, parseConstraint("ssd")!] })).toEqual(["a2"]);
  expect(choose(slots, 1, new Set(), { constraints: [parseConstraint("zone=c")!] })).toEqual([]);
});

test("spread: copies go to distinct values first, then pack by free slots", () => {
  const slots = [zoned("a1", "a"), zoned("a2", "a"), zoned("b1", "b", 8), zoned("c1", "c", 9)];
  expect(choose(slots, 3, new Set(), { spread: "zone" }).sort()).toEqual(["a1", "b1", "c1"]);
  // Without spread the emperors with the most room win.
  expect(choose(slots, 3, new Set()).sort()).toEqual(["a1", "a2", "b1"]);
  // Holders count: zone a already has a copy, so the next goes to b.
  expect(choose(slots, 1, new Set(["a1"]), { spread: "zone", holders: ["a1"] })).toEqual(["b1"]);
});

test("property: placed copies meet the constraints, and spread uses distinct values while it can", () => {
  const arbZoned = fc.uniqueArray(
    fc.record({
      node: fc.string({ minLength: 1, maxLength: 3 }),
      max: fc.integer({ min: 0, max: 5 }),
      load: fc.integer({ min: 0, max: 5 }),
      zone: fc.constantFrom("a", "b", "c", undefined),
    }),
    { minLength: 1, maxLength: 8, selector: (s) => s.node },
  );
  fc.assert(
    fc.property(arbZoned, fc.integer({ min: 1, max: 5 }), fc.constantFrom("zone=a", "zone!=b", "zone", undefined), (raw, n, ctext) => {
      const slots: Slot[] = raw.map((r) => ({
        node: r.node,
        max: r.max,
        load: r.load,
        labels: r.zone ? { zone: r.zone } : ({} as Record<string, string>),
      }));
      const constraints = ctext ? [parseConstraint(ctext)!] : [];
      const chosen = choose(slots, n, new Set(), { constraints, spread: "zone" });
      const eligible = slots.filter((s) => s.max - s.load > 0 && constraints.every((c) => meets(s.labels!, c)));
      expect(chosen.length).toBe(Math.min(n, eligible.length));
      const zoneOf = (node: string) => slots.find((s) => s.node === node)!.labels!.zone ?? "";
      for (const node of chosen) expect(constraints.every((c) => meets(slots.find((s) => s.node === node)!.labels!, c))).toBe(true);
      const values = new Set(eligible.map((s) => zoneOf(s.node)));
      const usedValues = new Set(chosen.map(zoneOf));
      expect(usedValues.size).toBe(Math.min(values.size, chosen.length));
    }),
  );
});

/** placeAll as it was before slot_heap.ts: choose() over every slot for each vassal in turn. */
function placeAllByScan(slots: readonly Slot[], wants: readonly Want[]): Map<string, string[]> {
  const live = slots.map((s) => ({ ...s }));
  const out = new Map<string, string[]>();
  for (const w of wants) {
    const nodes = choose(live, w.missing, w.exclude, w);
    for (const n of nodes) live.find((s) => s.node === n)!.load++;
    out.set(w.name, nodes);
  }
  return out;
}

test("property: the heap places exactly as a scan of every emperor would, excludes, constraints and spread mixed in", () => {
  const arbMixed = fc.array(
    fc.record({
      missing: fc.integer({ min: 0, max: 4 }),
      exclude: fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 3 }),
      how: fc.constantFrom("plain", "plain", "plain", "zone=a", "spread"),
    }),
    { maxLength: 80 },
  );
  fc.assert(
    fc.property(arbSlots, arbMixed, fc.array(fc.constantFrom("a", "b"), { maxLength: 8 }), (raw, ws, zones) => {
      const slots: Slot[] = raw.map((s, i) => ({ ...s, labels: { zone: zones[i] ?? "c" } }));
      const wants: Want[] = ws.map((w, i) => ({
        name: `v${i}`,
        missing: w.missing,
        exclude: new Set([...w.exclude, ...(i % 3 === 0 && slots[0] ? [slots[0].node] : [])]),
        ...(w.how === "zone=a" ? { constraints: [parseConstraint("zone=a")!] } : {}),
        ...(w.how === "spread" ? { spread: "zone" } : {}),
      }));
      expect(placeAll(slots, wants)).toEqual(placeAllByScan(slots, wants));
    }),
    { numRuns: 500 },
  );
});
