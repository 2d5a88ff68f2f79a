import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { forwardHops } from "../../lib/ring/forwarding.ts";
import { quorumDests, quorumSize, QuorumWaits } from "../../lib/ring/quorum.ts";

const hopsOf = (n: number, self: number): [number, number][] => forwardHops(n, self, "client").map((h) => [h.node, h.wrapping]);

describe("quorumSize", () => {
  test("is a strict majority", () => {
    expect([1, 2, 3, 4, 5, 6, 19].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 10]);
    expect(() => quorumSize(0)).toThrow("ring size 0 is not a positive integer");
  });

  test("two quorums always share a node", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 19 }), (n) => 2 * quorumSize(n) > n && quorumSize(n) <= n));
  });

  test("the entry node and the forwarding rule's hops are a majority in every ring (quorum messages need no extra copies)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 19 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, self]) => 1 + new Set(hopsOf(n, self).map(([p]) => p)).size >= quorumSize(n),
      ),
    );
  });
});

describe("quorumDests", () => {
  test("every other node, the rule's hops first with their wrapping", () => {
    expect(quorumDests(5, 0, hopsOf(5, 0))).toEqual([
      [1, 2],
      [2, 2],
      [3, 0],
      [4, 0],
    ]);
  });

  test("reaches each other node exactly once, never itself", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 19 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, self]) => {
          const dests = quorumDests(n, self, hopsOf(n, self)).map(([p]) => p);
          expect(new Set(dests).size).toBe(n - 1);
          expect(dests).not.toContain(self);
        },
      ),
    );
  });
});

describe("QuorumWaits", () => {
  test("ok once a majority holds it, not before, once only", () => {
    const waits = new QuorumWaits(5);
    const got: (string | undefined)[] = [];
    waits.add("a", 1000, (e) => got.push(e ?? "ok"));
    waits.held("a", 0);
    waits.held("a", 3);
    waits.held("a", 3); // the same node twice counts once
    expect(got).toEqual([]);
    waits.held("a", 4);
    expect(got).toEqual(["ok"]);
    waits.held("a", 1);
    expect(got).toEqual(["ok"]);
    expect(waits.size).toBe(0);
  });

  test("a wait past its deadline gets ERROR, never ok", () => {
    const waits = new QuorumWaits(5);
    const got: (string | undefined)[] = [];
    waits.add("a", 1000, (e) => got.push(e ?? "ok"));
    waits.held("a", 0);
    waits.held("a", 1);
    expect(waits.expire(999)).toBe(0);
    expect(waits.expire(1000)).toBe(1);
    waits.held("a", 2);
    expect(got).toEqual(["no quorum: held durably by 2 of 5 nodes (3 needed) when the wait ended; retry, or check the ring's nodes"]);
  });

  test("whenSlow: called once when its time comes while the wait is open, never after it closed", () => {
    const waits = new QuorumWaits(5);
    const slow: string[] = [];
    waits.add("a", 10_000, () => {});
    waits.add("b", 10_000, () => {});
    waits.whenSlow("a", 500, () => slow.push("a"));
    waits.whenSlow("b", 500, () => slow.push("b"));
    waits.whenSlow("none", 500, () => slow.push("none"));
    for (const node of [0, 1, 2]) waits.held("b", node);
    waits.expire(499);
    expect(slow).toEqual([]);
    waits.expire(500);
    waits.expire(600);
    expect(slow).toEqual(["a"]);
    expect(waits.size).toBe(1);
  });

  test("a failure to record here answers every waiter of that id", () => {
    const waits = new QuorumWaits(3);
    const got: (string | undefined)[] = [];
    waits.add("a", 1000, (e) => got.push(e ?? "ok"));
    waits.add("a", 2000, (e) => got.push(e ?? "ok"));
    waits.failed("a", "cannot record: ENOSPC");
    expect(got).toEqual(["cannot record: ENOSPC", "cannot record: ENOSPC"]);
  });

  test("ok exactly when the distinct holders reach a majority (any order, any repeats)", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 9 })
          .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 30 }))),
        ([n, holders]) => {
          const waits = new QuorumWaits(n);
          let oks = 0;
          let errors = 0;
          waits.add("m", 10, (e) => (e === undefined ? oks++ : errors++));
          const seen = new Set<number>();
          for (const h of holders) {
            seen.add(h);
            waits.held("m", h);
            expect(oks).toBe(seen.size >= quorumSize(n) ? 1 : 0);
          }
          waits.expire(10);
          expect([oks, errors]).toEqual(seen.size >= quorumSize(n) ? [1, 0] : [0, 1]);
        },
      ),
    );
  });
});
