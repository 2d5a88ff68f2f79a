// The two ends' timing of a dial: an emperor gives a busy zeus longer after each dial that
// timed out, an emperor with only one zeus waits for its handshake, and zeus waits for a
// handshake longer than the longest of them.
import { expect, test } from "bun:test";
import fc from "fast-check";
import {
  DIAL_TIMEOUT_MAX_MS,
  DIAL_TIMEOUT_MS,
  dialTimeoutMs,
  handshakeTimeoutMs,
  ONLY_ZEUS_HANDSHAKE_MS,
  ZEUS_HANDSHAKE_S,
} from "../../lib/zeus_protocol/mod.ts";

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

test("an emperor with only one zeus gives a connected dial's handshake 25 s, longer than any dial of several zeus; zeus waits longer still", () => {
  expect(handshakeTimeoutMs(1)).toBe(ONLY_ZEUS_HANDSHAKE_MS);
  expect(ONLY_ZEUS_HANDSHAKE_MS).toBeGreaterThan(DIAL_TIMEOUT_MAX_MS);
  // zeus's wait starts when it accepts, never before the emperor's connection is up.
  expect(ZEUS_HANDSHAKE_S * 1000).toBeGreaterThan(ONLY_ZEUS_HANDSHAKE_MS);
  // With several, a paused one (its kernel still accepts) is left after the dial's own time.
  fc.assert(fc.property(fc.integer({ min: 2, max: 100 }), (n) => handshakeTimeoutMs(n) === undefined));
});
