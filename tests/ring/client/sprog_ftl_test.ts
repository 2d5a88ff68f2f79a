import { expect, test } from "bun:test";
import fc from "fast-check";
import { FTL_OFF_FROM, streamsWithoutFtl } from "../../../lib/ring/client/sprog_flags.ts";

test("a stream without pause runs without FTL: no count, or a count of FTL_OFF_FROM or more", () => {
  expect(streamsWithoutFtl(0, undefined)).toBe(true);
  expect(streamsWithoutFtl(0, FTL_OFF_FROM)).toBe(true);
  expect(streamsWithoutFtl(0, FTL_OFF_FROM - 1)).toBe(false);
  expect(streamsWithoutFtl(0, 1)).toBe(false);
});

test("property: any pause between messages keeps FTL, whatever the count", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.001, max: 1e6, noNaN: true }),
      fc.option(fc.integer({ min: 1 }), { nil: undefined }),
      (interval, count) => {
        expect(streamsWithoutFtl(interval, count)).toBe(false);
      },
    ),
  );
});
