import { expect, test } from "bun:test";
import fc from "fast-check";
import { parseSince } from "../../../lib/ring/client/since.ts";
import { decodeRanges, encodeRanges, inRanges } from "../../../lib/ring/listen/ranges.ts";
import { parseRetain } from "../../../lib/ring/listen/retain.ts";
import { subscribeRequest } from "../../../lib/ring/listen/subscribe_request.ts";

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

test("seq ranges round-trip any set of seqs", () => {
  expect(encodeRanges([3, 1, 2, 7, 7])).toBe("1-3,7");
  expect(decodeRanges("1-3,7")).toEqual([
    [1, 3],
    [7, 7],
  ]);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { maxLength: 300 }), (seqs) => {
      const text = encodeRanges(seqs);
      if (seqs.length === 0) return text === "";
      const ranges = decodeRanges(text);
      const back = ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i));
      expect(back).toEqual([...seqs].sort((a, b) => a - b));
      for (const s of seqs) expect(inRanges(ranges, s)).toBe(true);
    }),
  );
  for (const bad of ["", "0", "3-1", "a", "1-", "1,,2", "-4"]) expect(() => decodeRanges(bad)).toThrow("seqs:");
  expect(() => decodeRanges(Array(5000).fill("1").join(","))).toThrow("more than 4096 runs");
});

test("SUBSCRIBE vars: since, since_time, durable, group, ack_wait", () => {
  expect(subscribeRequest({})).toEqual({ prefix: "", ackWaitMs: 30_000 });
  expect(subscribeRequest({ since: "all", durable: "audit", prefix: "A" })).toEqual({
    prefix: "A",
    since: "all",
    durable: "audit",
    ackWaitMs: 30_000,
  });
  expect(subscribeRequest({ since: "42" }).since).toEqual({ seq: 42 });
  expect(subscribeRequest({ since_time: "2026-12-01T21:00:00.000Z" }).since).toEqual({ ms: Date.parse("2026-12-01T21:00:00Z") });
  expect(subscribeRequest({ group: "jobs", ack_wait: "2.5" })).toEqual({ prefix: "", group: "jobs", ackWaitMs: 2500 });
  expect(() => subscribeRequest({ since: "0" })).toThrow('since "0" is not "all" or a sequence number');
  expect(() => subscribeRequest({ since: "all", since_time: "2026-12-01T21:00:00Z" })).toThrow("not both");
  expect(() => subscribeRequest({ since_time: "yesterday" })).toThrow("is not an ISO 8601 time");
  expect(() => subscribeRequest({ durable: "a/b" })).toThrow('durable "a/b" is not 1-64 of');
  expect(() => subscribeRequest({ durable: "a", group: "b" })).toThrow("durable or group, not both");
  expect(() => subscribeRequest({ ack_wait: "5" })).toThrow("ack_wait is for group members");
  expect(() => subscribeRequest({ group: "g", ack_wait: "0" })).toThrow('ack_wait "0" is not 0.1 to 86400 seconds');
});

test("--since: all, a seq, a time, a span ago", () => {
  const now = new Date("2026-12-01T21:10:00Z");
  expect(parseSince("all")).toBe("all");
  expect(parseSince("1500")).toBe(1500);
  expect(parseSince("10m", now)).toEqual(new Date("2026-12-01T21:00:00Z"));
  expect(parseSince("2026-12-01T20:00:00Z")).toEqual(new Date("2026-12-01T20:00:00Z"));
  expect(parseSince("20261201T200000Z")).toEqual(new Date("2026-12-01T20:00:00Z"));
  for (const bad of ["0", "soon", "2026-13-45T99:00", "-5"]) expect(() => parseSince(bad)).toThrow(`--since "${bad}" is not "all"`);
});
