// lib/config/retain.ts: `retain` of ring.toml (durations and sizes).
import { expect, test } from "bun:test";
import { parseRetain } from "../../lib/config/retain.ts";

test("retain: an age, a size, or both", () => {
  expect(parseRetain("7d")).toEqual({ ageMs: 7 * 86_400_000 });
  expect(parseRetain("500MB")).toEqual({ bytes: 500_000_000 });
  expect(parseRetain("12h, 2GiB")).toEqual({ ageMs: 12 * 3_600_000, bytes: 2 * 1024 ** 3 });
  expect(parseRetain("10GB 30m")).toEqual({ ageMs: 1_800_000, bytes: 10_000_000_000 });
  expect(() => parseRetain("forever")).toThrow('retain "forever": "forever" is not an age (30s, 90m, 12h, 7d, 2w) and/or a size');
  expect(() => parseRetain("7d 8d")).toThrow('"8d" is not allowed twice');
  expect(() => parseRetain("0d")).toThrow("is not an age");
  expect(() => parseRetain("")).toThrow();
  expect(() => parseRetain("1d 1GB 1h")).toThrow();
});
