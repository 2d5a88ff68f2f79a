import { expect, test } from "bun:test";
import { sameSite, sessionCookie, sessionOf } from "../../lib/console/request_guard.ts";

const post = (headers: Record<string, string>) => new Request("http://127.0.0.1:4041/ui/api/action", { method: "POST", headers });

test("an action must come from the console's own page", () => {
  const own = { host: "127.0.0.1:4041", origin: "http://127.0.0.1:4041", "sec-fetch-site": "same-origin", "x-zog-console": "1" };
  expect(sameSite(post(own))).toBeUndefined();
  expect(sameSite(post({ ...own, "x-zog-console": "" }))).toContain("x-zog-console");
  expect(sameSite(post({ ...own, origin: "http://evil.example" }))).toBe("a request from http://evil.example, not from the console's page");
  expect(sameSite(post({ ...own, "sec-fetch-site": "cross-site" }))).toContain("cross-site");
  // A DNS name rebound to loopback: refused even with its own origin.
  expect(sameSite(post({ ...own, host: "evil.example:4041", origin: "http://evil.example:4041" }))).toContain('not as "evil.example:4041"');
  expect(sameSite(post({ ...own, host: "[::1]:4041", origin: "http://[::1]:4041" }))).toBeUndefined();
  expect(sameSite(new Request("http://localhost:4041/ui/api/logs", { headers: { host: "localhost:4041" } }))).toBeUndefined();
});

test("the session cookie is the console's port's own", () => {
  const set = sessionCookie(4041, "abc");
  expect(set).toStartWith("zog_console_4041=abc; HttpOnly; SameSite=Strict; Path=/ui;");
  const req = new Request("http://127.0.0.1:4041/ui/", { headers: { cookie: "zog_console_4042=nope; zog_console_4041=abc" } });
  expect(sessionOf(req, 4041)).toBe("abc");
  expect(sessionOf(req, 4043)).toBeUndefined();
});
