import { expect, test } from "bun:test";
import { backoffMs } from "../../lib/net/backoff.ts";
import { PEER_REDIAL, PEER_REFUSED_REDIAL } from "../../lib/ring/peer_link.ts";

test("ring peers: first retry within 1 s, capped at 2 s (30 s after a refusal)", () => {
  expect(backoffMs(0, PEER_REDIAL)).toBeLessThanOrEqual(1000);
  for (let i = 0; i < 40; i++) expect(backoffMs(i, PEER_REDIAL)).toBeLessThanOrEqual(PEER_REDIAL.maxMs);
  expect(backoffMs(30, PEER_REDIAL, () => 0)).toBe(2000);
  expect(backoffMs(30, PEER_REFUSED_REDIAL, () => 0)).toBe(30_000);
});

test("doubles from firstMs, jitter takes off at most its fraction, huge attempts stay finite", () => {
  const p = { firstMs: 100, maxMs: 1000 };
  expect([0, 1, 2, 3, 4].map((i) => backoffMs(i, p))).toEqual([100, 200, 400, 800, 1000]);
  expect(backoffMs(1, { ...p, jitter: 0.5 }, () => 1)).toBe(100);
  expect(backoffMs(1e9, p)).toBe(1000);
});
