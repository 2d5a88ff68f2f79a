import { expect, test } from "bun:test";
import { defaultMaxClients, fdsLeft, openFileLimit } from "../../lib/net/fd_budget.ts";

test("max_clients by default: the open-file limit less 48 for the node and 4 per peer", () => {
  expect(defaultMaxClients(256, 4)).toBe(192);
  expect(defaultMaxClients(256, 1)).toBe(204);
  expect(defaultMaxClients(1024, 18)).toBe(904);
  expect(defaultMaxClients(50, 4)).toBe(1);
  expect(defaultMaxClients(Infinity, 4)).toBe(16_384);
  expect(defaultMaxClients(undefined, 4)).toBe(1024);
});

test.skipIf(process.platform !== "linux")("on Linux the limit and the descriptors left can be read", () => {
  const limit = openFileLimit();
  expect(limit).toBeGreaterThan(0);
  if (limit !== Infinity) {
    const left = fdsLeft(limit!)!;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(limit!);
  }
});
