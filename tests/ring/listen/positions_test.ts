// The rows of durable listeners and groups: lag in messages and seconds, last seen; and
// sprog's tables of them.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { positionKey, positionRow } from "../../../lib/ring/listen/positions.ts";
import { renderPositions } from "../../../lib/ring/client/positions_command.ts";
import { positionPages } from "../../../lib/ring/position_admin.ts";

const clock = (lastSeq: number, oldestSeq = 1) => ({
  lastSeq,
  oldestSeq,
  timeOf: (seq: number) => (seq <= lastSeq ? seq * 1000 : undefined),
  now: 100_000,
});

test("a durable listener behind: seqs past its position and the age of the first of them", () => {
  expect(positionRow({ key: "durable:audit", position: 40, connected: 0, inFlight: 0, seen: 0 }, clock(70))).toEqual({
    name: "audit",
    kind: "durable",
    position: 40,
    connected: 0,
    in_flight: 0,
    lag_messages: 30,
    lag_seconds: 59,
    last_seen: "1970-01-01T00:00:00.000Z",
  });
});

test("caught up: no lag; a group carries its counters; never seen: no last_seen", () => {
  const row = positionRow(
    { key: "group:jobs", position: 70, connected: 2, inFlight: 5, group: { redeliveries: 3, lateAcks: 1 } },
    clock(70),
  );
  expect(row).toEqual({
    name: "jobs",
    kind: "group",
    position: 70,
    connected: 2,
    in_flight: 5,
    lag_messages: 0,
    lag_seconds: 0,
    redeliveries: 3,
    late_acks: 1,
  });
});

test("when the first message past the position is no longer held, the lag's age is the oldest held one's", () => {
  expect(positionRow({ key: "durable:old", position: 10, connected: 0, inFlight: 0 }, clock(90, 50)).lag_seconds).toBe(50);
});

test("property: lag_messages is never negative and is 0 exactly when the position reaches the last seq", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }), (position, lastSeq) => {
      const row = positionRow({ key: "durable:p", position, connected: 0, inFlight: 0 }, clock(lastSeq));
      expect(row.lag_messages).toBeGreaterThanOrEqual(0);
      expect(row.lag_messages === 0).toBe(position >= lastSeq);
      expect(row.lag_seconds).toBeGreaterThanOrEqual(0);
    }),
  );
});

test("a key that is neither durable:NAME nor group:NAME is refused", () => {
  expect(positionKey("durable:a:b")).toEqual({ kind: "durable", name: "a:b" });
  expect(() => positionKey("other:x")).toThrow('"other:x" is no position key');
});

test("sprog's tables: durable listeners with CONNECTED, groups with MEMBERS, IN FLIGHT, REDELIVERIES", () => {
  const base = { position: 7, in_flight: 0, lag_messages: 3, lag_seconds: 1.5, last_seen: new Date(98_000).toISOString() };
  expect(renderPositions("durable", [{ node: "A", name: "audit", kind: "durable", connected: 1, ...base }], 100_000)).toBe(
    ["NODE  NAME   POSITION  LAG  LAG (S)  LAST SEEN  CONNECTED", "A     audit  7         3    1.5      2.0 s ago  yes", ""].join("\n"),
  );
  const group = { node: "B", name: "jobs", kind: "group" as const, connected: 2, ...base, in_flight: 4, redeliveries: 9 };
  expect(renderPositions("group", [group], 100_000)).toBe(
    [
      "NODE  NAME  POSITION  LAG  LAG (S)  MEMBERS  IN FLIGHT  REDELIVERIES  LAST SEEN",
      "B     jobs  7         3    1.5      2        4          9             2.0 s ago",
      "",
    ].join("\n"),
  );
});

test("property: POSITIONS pages hold every row once, in order, each page within its bytes (a longer row alone)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ name: fc.string({ maxLength: 80 }), position: fc.nat() }), { maxLength: 60 }),
      fc.integer({ min: 20, max: 400 }),
      (rows, max) => {
        const pages = positionPages(rows, max);
        expect(pages.flatMap((p) => JSON.parse(p) as unknown[])).toEqual(rows);
        for (const p of pages) if ((JSON.parse(p) as unknown[]).length > 1) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(max);
        expect(pages.length).toBeGreaterThanOrEqual(1);
      },
    ),
  );
});
