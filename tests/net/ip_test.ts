import { expect, test } from "bun:test";
import fc from "fast-check";
import * as net from "node:net";
import { isIP } from "../../lib/net/ip.ts";

test("isIP answers as node:net's for addresses and near misses", () => {
  const samples = [
    "127.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "256.1.1.1",
    "01.1.1.1",
    "1.1.1",
    "1.1.1.1.",
    "::",
    "::1",
    "fe80::1%eth0",
    "2001:db8::8a2e:370:7334",
    "::ffff:192.0.2.1",
    "1::2::3",
    "12345::",
    "g::1",
    "example.org",
    "",
    " 1.1.1.1",
    "[::1]",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9",
  ];
  for (const s of samples) expect([s, isIP(s) as number]).toEqual([s, net.isIP(s)]);
});

test("property: isIP agrees with node:net on generated IPv4, IPv6 and arbitrary strings", () => {
  const candidates = fc.oneof(
    fc.ipV4(),
    fc.ipV4Extended(),
    fc.ipV6(),
    fc.string({ maxLength: 40 }),
    fc.stringMatching(/^[0-9a-f:.]{0,40}$/),
  );
  fc.assert(
    fc.property(candidates, (s) => isIP(s) === net.isIP(s)),
    { numRuns: 2000 },
  );
});
