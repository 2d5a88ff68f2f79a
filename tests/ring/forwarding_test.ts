import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { fanOut, forwardHops, takeoverHop } from "../../lib/ring/forwarding.ts";

/** Delivers one client message through the rule; returns how often each node logs it. */
function simulate(n: number, origin: number): number[] {
  const logged = new Array<number>(n).fill(0);
  const queue: { node: number; from: "client" | number }[] = [{ node: origin, from: "client" }];
  while (queue.length > 0) {
    const { node, from } = queue.shift()!;
    for (const hop of forwardHops(n, node, from)) queue.push({ node: hop.node, from: hop.wrapping });
    logged[node]! += 1;
  }
  return logged;
}

/**
 * Delivers one client message while node `down` is down: hops to it are kept back and
 * taken over (its +w gets the message with 0). Returns how often each node logs it, with
 * duplicates dropped by id as nodes do.
 */
function simulateWithDown(n: number, origin: number, down: number): number[] {
  const logged = new Array<number>(n).fill(0);
  const queue: { node: number; from: "client" | number }[] = [{ node: origin, from: "client" }];
  while (queue.length > 0) {
    const { node, from } = queue.shift()!;
    if (logged[node]! > 0) continue;
    for (const hop of forwardHops(n, node, from)) {
      if (hop.node !== down) {
        queue.push({ node: hop.node, from: hop.wrapping });
        continue;
      }
      const t = takeoverHop(n, hop);
      if (t && t.node !== node) queue.push({ node: t.node, from: t.wrapping });
    }
    logged[node]! += 1;
  }
  return logged;
}

describe("forwarding rule", () => {
  test("N = 5 is the seed's rule: S -> S+1, S+2 with 2; S+1 -> S+3; S+2 -> S+4", () => {
    expect(forwardHops(5, 0, "client")).toEqual([
      { node: 1, wrapping: 2 },
      { node: 2, wrapping: 2 },
    ]);
    expect(forwardHops(5, 1, 2)).toEqual([{ node: 3, wrapping: 0 }]);
    expect(forwardHops(5, 2, 2)).toEqual([{ node: 4, wrapping: 0 }]);
    expect(forwardHops(5, 3, 0)).toEqual([]);
    expect(forwardHops(5, 3, "client")).toEqual([
      { node: 4, wrapping: 2 },
      { node: 0, wrapping: 2 },
    ]);
  });

  test("small rings: N = 2 sends to +1 with 0; N = 4 wraps only where it must", () => {
    expect(forwardHops(2, 1, "client")).toEqual([{ node: 0, wrapping: 0 }]);
    expect(fanOut(4)).toBe(2);
    expect(forwardHops(4, 0, "client")).toEqual([
      { node: 1, wrapping: 2 },
      { node: 2, wrapping: 0 },
    ]);
  });

  test("out-of-range input is refused", () => {
    expect(() => forwardHops(20, 0, "client")).toThrow(RangeError);
    expect(() => forwardHops(5, 5, "client")).toThrow(RangeError);
    expect(() => forwardHops(5, 0, 5)).toThrow(RangeError);
  });

  test("property: for N = 2..19 every client message is logged exactly once on every node", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 19 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, origin]) => {
          expect(simulate(n, origin)).toEqual(new Array<number>(n).fill(1));
        },
      ),
      { numRuns: 500 },
    );
  });

  test("property: with any one node down, takeover gets every client message to every live node", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 19 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })))
          .filter(([, origin, down]) => origin !== down),
        ([n, origin, down]) => {
          const logged = simulateWithDown(n, origin, down);
          expect(logged.filter((_, i) => i !== down)).toEqual(new Array<number>(n - 1).fill(1));
          expect(logged[down]).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  test("property: wrappings stay one digit and forwarded wrappings never exceed k", () => {
    for (let n = 2; n <= 19; n++) {
      for (let s = 0; s < n; s++) {
        for (const hop of forwardHops(n, s, "client")) expect(hop.wrapping).toBeLessThanOrEqual(Math.min(9, fanOut(n)));
      }
    }
  });
});
