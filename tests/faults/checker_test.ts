// The fault suite's checker: each anomaly it counts, and that a clean history is clean.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { check, clean } from "../../bench/faults/checker.ts";

const logs = (o: Record<string, string[]>) => new Map(Object.entries(o));

test("acknowledged-lost, doubled, diverged and unacknowledged-but-logged are told apart", () => {
  const a = check({
    attempted: new Set(["m1", "m2", "m3", "m4"]),
    acked: new Set(["m1", "m2", "m3"]),
    logs: logs({ A: ["m1", "m2", "m2", "m4"], B: ["m1", "m2", "m4"], C: ["m1", "m3", "m2", "m4"] }),
  });
  expect(a.acknowledged_lost).toBe(1); // m3 only on C
  expect(a.doubled).toBe(1); // m2 twice on A
  expect(a.diverged).toBe(1); // m3
  expect(a.unacknowledged_logged).toBe(1); // m4, on every node: not an error
  expect(clean(a)).toBe(false);
});

test("a store that disagrees, and listeners that got a message twice or missed one while connected", () => {
  const a = check({
    attempted: new Set(["m1", "m2"]),
    acked: new Set(["m1", "m2"]),
    logs: logs({ A: ["m1", "m2"], B: ["m2", "m1"] }),
    storeAgrees: new Map([
      ["A", true],
      ["B", false],
    ]),
    listeners: [
      { node: "A", events: ["m1", "m1", "m2"], broken: false },
      { node: "B", events: ["m1"], broken: false },
      { node: "C", events: [], broken: true },
    ],
  });
  expect([a.acknowledged_lost, a.doubled, a.diverged, a.store_disagrees, a.listener_doubled, a.listener_lost]).toEqual([0, 0, 0, 1, 1, 1]);
});

test("every acknowledged message once on every node, in any order: clean", () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { maxLength: 30 }), fc.nat(4), (msgs, nodes) => {
      const shuffled = (i: number) => [...msgs].sort((x, y) => ((x + i).localeCompare(y + i) > 0 ? 1 : -1));
      const all = new Map(Array.from({ length: nodes + 1 }, (_, i) => [`n${i}`, shuffled(i)] as const));
      expect(clean(check({ attempted: new Set(msgs), acked: new Set(msgs), logs: all }))).toBe(true);
    }),
  );
});
