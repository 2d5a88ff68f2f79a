import { expect, test } from "bun:test";
import fc from "fast-check";
import { FTL_OFF_FROM, sendWithoutFtl, streamsWithoutFtl } from "../../../lib/ring/client/sprog_flags.ts";

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

test("the arguments say it before sprog's modules load: flags in any form, subcommands and bad flags keep FTL", () => {
  expect(sendWithoutFtl(["--config", "ring.toml", "-r", "-i", "0", "--window", "64", "-n", "20000", "-m", "x", "-q"])).toBe(true);
  expect(sendWithoutFtl(["--interval=0", "--count=5000"])).toBe(true);
  expect(sendWithoutFtl(["-ri", "0"])).toBe(true);
  expect(sendWithoutFtl(["-i", "0", "-n", "5"])).toBe(false);
  expect(sendWithoutFtl(["-n", "20000"])).toBe(false);
  expect(sendWithoutFtl(["-m", "-i 0", "-n", "20000"])).toBe(false);
  expect(sendWithoutFtl(["listen", "-i", "0"])).toBe(false);
  expect(sendWithoutFtl(["-i", "0", "--no-such-flag"])).toBe(false);
});

test("property: from the arguments, the same answer as streamsWithoutFtl on the parsed values", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(0, 0.5, 10),
      fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
      fc.boolean(),
      (interval, count, long) => {
        const args = [long ? `--interval=${interval}` : "-i", ...(long ? [] : [String(interval)])];
        if (count !== undefined) args.push(long ? "--count" : "-n", String(count));
        expect(sendWithoutFtl(args)).toBe(streamsWithoutFtl(interval, count));
      },
    ),
  );
});
