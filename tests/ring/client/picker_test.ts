import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ServerPicker } from "../../../lib/ring/client/picker.ts";
import { BACKOFF_FIRST_MS, BACKOFF_MAX_MS, ServerHealth } from "../../../lib/ring/client/health.ts";

describe("ServerPicker", () => {
  test("round robin rotates through every server in order", () => {
    const p = new ServerPicker(3, { kind: "roundRobin" });
    expect([1, 2, 3, 4, 5, 6, 7].map(() => p.pick(() => false))).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  test("round robin skips a down server for the next one", () => {
    const p = new ServerPicker(4, { kind: "roundRobin" });
    expect([1, 2, 3, 4, 5, 6].map(() => p.pick((i) => i === 1))).toEqual([0, 2, 3, 0, 2, 3]);
  });

  test("random spreads over the servers and never picks a down one", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 19 }),
        fc.array(fc.boolean(), { minLength: 19, maxLength: 19 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, down, r) => {
          const p = new ServerPicker(n, { kind: "random" }, () => r);
          const i = p.pick((j) => down[j]!);
          const anyUp = down.slice(0, n).some((d) => !d);
          if (!anyUp) expect(i).toBeUndefined();
          else {
            expect(i).toBeGreaterThanOrEqual(0);
            expect(i).toBeLessThan(n);
            expect(down[i!]).toBe(false);
          }
        },
      ),
    );
    const counts = [0, 0, 0, 0, 0];
    let x = 0;
    const p = new ServerPicker(5, { kind: "random" }, () => (x = (x + 0.37) % 1));
    for (let k = 0; k < 1000; k++) counts[p.pick(() => false)!]! += 1;
    for (const c of counts) expect(c).toBeGreaterThan(100);
  });

  test("a specific server is never swapped for another", () => {
    const p = new ServerPicker(5, { kind: "specific", index: 2 });
    expect(p.pick(() => false)).toBe(2);
    expect(p.pick((i) => i === 2)).toBeUndefined();
    expect(p.pick((i) => i !== 2)).toBe(2);
  });

  test("every policy says none when all servers are down", () => {
    for (const policy of [{ kind: "random" }, { kind: "roundRobin" }, { kind: "specific", index: 0 }] as const) {
      expect(new ServerPicker(3, policy).pick(() => true)).toBeUndefined();
      expect(new ServerPicker(3, policy).anyEligible(() => true)).toBe(false);
      expect(new ServerPicker(3, policy).anyEligible((i) => i !== 0)).toBe(true);
    }
    expect(new ServerPicker(3, { kind: "specific", index: 1 }).anyEligible((i) => i === 1)).toBe(false);
  });

  test("rejects no servers and a specific index out of range", () => {
    expect(() => new ServerPicker(0, { kind: "random" })).toThrow(RangeError);
    expect(() => new ServerPicker(2, { kind: "specific", index: 2 })).toThrow("specific server 2 is not one of the 2 servers");
  });
});

describe("ServerHealth", () => {
  test("backs off doubling from the first pause to the cap, and starts over once up", () => {
    const h = new ServerHealth();
    const pauses = [1, 2, 3, 4, 5, 6, 7, 8].map(() => h.failed(0, 0, "ECONNREFUSED"));
    expect(pauses[0]).toBe(BACKOFF_FIRST_MS);
    expect(pauses[1]).toBe(2 * BACKOFF_FIRST_MS);
    expect(pauses.at(-1)).toBe(BACKOFF_MAX_MS);
    for (let k = 1; k < pauses.length; k++) expect(pauses[k]!).toBeGreaterThanOrEqual(pauses[k - 1]!);
    h.succeeded(0);
    expect(h.failed(0, 0, "x")).toBe(BACKOFF_FIRST_MS);
  });

  test("a failed server is down until its pause ends", () => {
    const h = new ServerHealth();
    h.failed(3, 1000, "ECONNREFUSED");
    expect(h.isDown(3, 1000)).toBe(true);
    expect(h.isDown(3, 1000 + BACKOFF_FIRST_MS)).toBe(false);
    expect(h.isDown(2, 1000)).toBe(false);
    expect(h.nextRetryAt(1000)).toBe(1000 + BACKOFF_FIRST_MS);
    expect(h.reason(3)).toBe("ECONNREFUSED");
  });
});
