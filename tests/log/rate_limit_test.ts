import { expect, test } from "bun:test";
import { LogLimiter, leftOut, refusalLogger } from "../../lib/log/rate_limit.ts";

test("the first event of a key is logged, then one a minute with the count left out", () => {
  let now = 0;
  const l = new LogLimiter({ now: () => now });
  expect(l.take("a")).toBe(0);
  expect(l.take("a")).toBeUndefined();
  expect(l.take("b")).toBe(0);
  now = 59_999;
  expect(l.take("a")).toBeUndefined();
  now = 60_000;
  expect(l.take("a")).toBe(2);
  expect(l.take("a")).toBeUndefined();
  expect(leftOut(0)).toBe("");
  expect(leftOut(3)).toBe(" (and 3 more since)");
});

test("it remembers a bounded number of keys, forgetting the oldest", () => {
  const l = new LogLimiter({ maxKeys: 2, now: () => 0 });
  l.take("a");
  l.take("b");
  l.take("c");
  expect(l.take("a")).toBe(0);
  expect(l.take("c")).toBeUndefined();
});

test("refusals are limited per address (any port) and reason", () => {
  const lines: string[] = [];
  const refused = refusalLogger((m, p) => lines.push(`${m} ${JSON.stringify(p)}`), "client", new LogLimiter({ now: () => 0 }));
  refused("127.0.0.1:1000", "expired");
  refused("127.0.0.1:1001", "expired");
  refused("127.0.0.1:1002", "no client certificate");
  refused("[::1]:1003", "expired");
  expect(lines).toEqual([
    'refused client at {remote}: {reason} {"remote":"127.0.0.1:1000","reason":"expired"}',
    'refused client at {remote}: {reason} {"remote":"127.0.0.1:1002","reason":"no client certificate"}',
    'refused client at {remote}: {reason} {"remote":"[::1]:1003","reason":"expired"}',
  ]);
});
