import { expect, test } from "bun:test";
import fc from "fast-check";
import { ConsoleAuth, LINK_TTL_MS, SESSION_TTL_MS } from "../../lib/console/console_auth.ts";

function auth(clientCerts: boolean) {
  let t = 1_000_000;
  let n = 0;
  const a = new ConsoleAuth({ clientCerts, admins: ["ops"], now: () => t, secret: () => `s${++n}` });
  return { a, later: (ms: number) => (t += ms) };
}

test("plain mode: a loopback browser is an admin, any other reads, and says why", () => {
  const { a } = auth(false);
  expect(a.viewer("127.0.0.1:5000", undefined)).toEqual({ admin: true, who: "127.0.0.1:5000" });
  expect(a.viewer("[::1]:5000", undefined)).toEqual({ admin: true, who: "[::1]:5000" });
  const far = a.viewer("10.1.2.3:5000", undefined);
  expect(far.admin).toBe(false);
  expect(!far.admin && far.why).toContain("10.1.2.3:5000 is not a loopback address");
});

test("client certificates: loopback is not enough; a link opens a session once, before it expires", () => {
  const { a, later } = auth(true);
  expect(a.viewer("127.0.0.1:5000", undefined).admin).toBe(false);
  const token = a.link("ops");
  const session = a.redeem(token)!;
  expect(a.viewer("10.9.9.9:1", session)).toEqual({ admin: true, who: "ops", session: true });
  expect(a.redeem(token)).toBeUndefined(); // once
  const late = a.link("ops");
  later(LINK_TTL_MS + 1);
  expect(a.redeem(late)).toBeUndefined(); // expired
  expect(a.viewer("10.9.9.9:1", session).admin).toBe(true);
  later(SESSION_TTL_MS);
  expect(a.viewer("10.9.9.9:1", session).admin).toBe(false); // the session ended
});

test("no guessed or foreign token or cookie makes an admin", () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (token, cookie) => {
      const { a } = auth(true);
      a.link("ops");
      const s = a.redeem(token);
      return (s === undefined || token === "s1") && a.viewer("127.0.0.1:1", cookie).admin === (cookie === "s2" && token === "s1");
    }),
  );
});

test("a session ends when logged out", () => {
  const { a } = auth(true);
  const s = a.redeem(a.link("ops"))!;
  a.end(s);
  expect(a.viewer("127.0.0.1:1", s).admin).toBe(false);
});
