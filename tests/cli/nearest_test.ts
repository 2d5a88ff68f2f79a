// The "did you mean" rule: typos of a subcommand find it, unrelated words find nothing.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { editDistance, nearest } from "../../lib/cli/nearest.ts";

const SUBS = ["status", "drain", "undrain", "forget", "exec", "logs", "restart", "stop", "start", "certs", "ping"];

test("typos find the subcommand they were meant to be", () => {
  expect(nearest("stauts", SUBS)).toBe("status");
  expect(nearest("stats", SUBS)).toBe("status");
  expect(nearest("drian", SUBS)).toBe("drain");
  expect(nearest("restrat", SUBS)).toBe("restart");
  expect(nearest("stat", SUBS)).toBe("status");
  expect(nearest("frobnicate", SUBS)).toBeUndefined();
  expect(nearest("x", SUBS)).toBeUndefined();
});

test("edit distance: a swap of neighbours is one edit; symmetric; zero only for equal words", () => {
  expect(editDistance("stauts", "status")).toBe(1);
  expect(editDistance("", "abc")).toBe(3);
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      const d = editDistance(a, b);
      expect(d).toBe(editDistance(b, a));
      expect(d === 0).toBe(a === b);
      expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
    }),
  );
});
