// The two ends' timing of a dial: an emperor gives a busy zeus longer after each dial that
// timed out, and zeus waits for a handshake longer than the longest of them.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { DIAL_TIMEOUT_MAX_MS, DIAL_TIMEOUT_MS, dialTimeoutMs, ZEUS_HANDSHAKE_S } from "../../lib/zeus_protocol/mod.ts";

test("5 s, then twice as long after each dial that timed out, at most 20 s; zeus waits longer than that", () => {
  expect([0, 1, 2, 3, 50].map(dialTimeoutMs)).toEqual([5000, 10_000, 20_000, 20_000, 20_000]);
  expect(ZEUS_HANDSHAKE_S * 1000).toBeGreaterThan(DIAL_TIMEOUT_MAX_MS);
  fc.assert(
    fc.property(fc.nat(1000), (n) => {
      const ms = dialTimeoutMs(n);
      return ms >= DIAL_TIMEOUT_MS && ms <= DIAL_TIMEOUT_MAX_MS && dialTimeoutMs(n + 1) >= ms;
    }),
  );
});
