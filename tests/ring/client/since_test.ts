// lib/ring/client/since.ts: `sprog listen --since`.
import { expect, test } from "bun:test";
import { parseSince } from "../../../lib/ring/client/since.ts";

test("--since: all, a seq, a time, a span ago", () => {
  const now = new Date("2026-12-01T21:10:00Z");
  expect(parseSince("all")).toBe("all");
  expect(parseSince("1500")).toBe(1500);
  expect(parseSince("10m", now)).toEqual(new Date("2026-12-01T21:00:00Z"));
  expect(parseSince("2026-12-01T20:00:00Z")).toEqual(new Date("2026-12-01T20:00:00Z"));
  expect(parseSince("20261201T200000Z")).toEqual(new Date("2026-12-01T20:00:00Z"));
  for (const bad of ["0", "soon", "2026-13-45T99:00", "-5"]) expect(() => parseSince(bad)).toThrow(`--since "${bad}" is not "all"`);
});
