import { expect, test } from "bun:test";
import fc from "fast-check";
import {
  SETTLE_HARD_MAX_MS,
  SETTLE_MAX_MS,
  SETTLE_PROGRESS_MS,
  SETTLE_QUIET_MS,
  type SettleFacts,
  settleOver,
} from "../../lib/zeus/settle_rule.ts";

const facts = fc.record({
  listened: fc.integer({ min: 0, max: 2 * SETTLE_HARD_MAX_MS }),
  settleMs: fc.integer({ min: 1, max: 2 * SETTLE_MAX_MS }),
  allBack: fc.boolean(),
  awaiting: fc.boolean(),
  arriving: fc.nat(5000),
  sinceReport: fc.oneof(fc.integer({ min: 0, max: 3 * SETTLE_PROGRESS_MS }), fc.constant(Number.POSITIVE_INFINITY)),
});

test("after kill -9 with TLS: the settle time lasts while emperors are still in their handshakes, then ends when nobody came for a while", () => {
  // 200 000 copies on 5 000 emperors: 5 s listened, 2 229 back, 2 770 connections still arriving.
  const storm: SettleFacts = { listened: 5000, settleMs: 5000, allBack: false, awaiting: true, arriving: 2770, sinceReport: 3 };
  expect(settleOver(storm)).toBe(false);
  // Nobody arriving, but an emperor reported just now: others may be between two dials.
  expect(settleOver({ ...storm, arriving: 0, sinceReport: 2000 })).toBe(false);
  // Nobody arriving and nobody reported for longer than an emperor's longest redial delay: the rest are gone.
  expect(settleOver({ ...storm, arriving: 0, sinceReport: SETTLE_QUIET_MS })).toBe(true);
  // Every emperor back: at once, minimum or not.
  expect(settleOver({ ...storm, listened: 10, allBack: true })).toBe(true);
  // A fresh start (no emperor awaited): the minimum alone, as before.
  expect(settleOver({ ...storm, awaiting: false })).toBe(true);
});

test("a starved zeus past 120 s keeps settling while emperors still come back, and ends once none came back for 10 s", () => {
  // 1 000 000 copies on 5 000 TLS emperors under load 12-17: at 120 s of listening 4 206 were
  // back, connections still arriving and reports still coming; 158 643 copies were placed anew.
  const starved: SettleFacts = { listened: SETTLE_MAX_MS, settleMs: 5000, allBack: false, awaiting: true, arriving: 793, sinceReport: 40 };
  expect(settleOver(starved)).toBe(false);
  // Still arriving, but no emperor finished its report for 10 s: those left are not coming.
  expect(settleOver({ ...starved, sinceReport: SETTLE_PROGRESS_MS })).toBe(true);
  // Before the bound the same silence with connections arriving holds it: they may be handshakes.
  expect(settleOver({ ...starved, listened: SETTLE_MAX_MS - 1, sinceReport: SETTLE_PROGRESS_MS })).toBe(false);
  // Emperors that keep arriving do not hold the copies of the dead ones for ever.
  expect(settleOver({ ...starved, listened: SETTLE_HARD_MAX_MS })).toBe(true);
});

test("the settle time never ends before its minimum unless every emperor is back, always ends at its hard bound, and once over stays over", () => {
  fc.assert(
    fc.property(facts, fc.nat(SETTLE_HARD_MAX_MS), (f, later) => {
      if (f.listened < f.settleMs && !f.allBack) expect(settleOver(f)).toBe(false);
      if (f.listened >= Math.max(SETTLE_HARD_MAX_MS, f.settleMs)) expect(settleOver(f)).toBe(true);
      if (f.allBack) expect(settleOver(f)).toBe(true);
      // Before the soft bound, an emperor that reported within the quiet time holds it past the minimum.
      if (!f.allBack && f.awaiting && f.listened < SETTLE_MAX_MS && f.sinceReport < SETTLE_QUIET_MS) expect(settleOver(f)).toBe(false);
      // Past the soft bound, only progress holds it: an emperor back within the last SETTLE_PROGRESS_MS.
      if (f.listened >= Math.max(SETTLE_MAX_MS, f.settleMs) && f.sinceReport >= SETTLE_PROGRESS_MS) expect(settleOver(f)).toBe(true);
      // More time listened, and as long since the last report, with the same connections: still over.
      if (settleOver(f)) expect(settleOver({ ...f, listened: f.listened + later, sinceReport: f.sinceReport + later })).toBe(true);
      // Connections arriving only ever hold it longer.
      if (settleOver({ ...f, arriving: f.arriving + 1 })) expect(settleOver(f)).toBe(true);
    }),
  );
});
