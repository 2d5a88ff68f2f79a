import { expect, test } from "bun:test";
import { hostPort } from "../../lib/net/mod.ts";

test("host:port, IPv6 hosts in brackets", () => {
  expect(hostPort("127.0.0.1", 4040)).toBe("127.0.0.1:4040");
  expect(hostPort("zeus.example", 1)).toBe("zeus.example:1");
  expect(hostPort("::1", 4040)).toBe("[::1]:4040");
  expect(hostPort("fe80::1%eth0", 80)).toBe("[fe80::1%eth0]:80");
});
