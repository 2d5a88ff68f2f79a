import { expect, test } from "bun:test";
import { waitFor } from "../helpers/procs.ts";
import { adminVerdict, isLoopback } from "../../lib/admin/auth.ts";
import { splitVars, VarsJoiner } from "../../lib/admin/chunks.ts";
import { ADMIN_PROTO, type AdminFrame, decodeAdminFrame, encodeAdminFrame } from "../../lib/admin/frames.ts";
import { AdminHub } from "../../lib/admin/hub.ts";
import { AdminError, ProtocolError } from "../../lib/errors.ts";
import { encodeVars } from "../../lib/packet/mod.ts";

const roundTrip = (f: AdminFrame) => decodeAdminFrame(encodeAdminFrame(f));

test("every admin frame survives encode and decode", () => {
  const frames: AdminFrame[] = [
    { type: "HELLO", proto: ADMIN_PROTO, client: "me@host" },
    { type: "WELCOME", who: "ops", server: "zeus" },
    { type: "REFUSED", reason: "no" },
    { type: "REQUEST", id: 3, command: "drain", vars: { node: "n1", "x y": "é" }, more: true },
    { type: "REPLY", id: 3, vars: { ok: "1" }, more: false },
    { type: "FAILED", id: 3, code: "no-such-node", reason: "none" },
    {
      type: "OPEN",
      id: 1,
      open: {
        kind: "exec",
        vassal: "a.toml",
        node: "n1",
        argv: ["sh", "-c", "x"],
        tty: true,
        stdin: false,
        rows: 40,
        cols: 120,
        term: "xterm",
        who: "ops",
      },
    },
    { type: "OPEN", id: 2, open: { kind: "logs", vassal: "a.toml", lines: 5, follow: true } },
    { type: "OPENED", id: 1, node: "n1", pid: 42 },
    { type: "DATA", id: 1, fd: 2, data: new Uint8Array([0, 255, 10]) },
    { type: "EOF", id: 1 },
    { type: "WINDOW", id: 1, bytes: 65536 },
    { type: "RESIZE", id: 1, rows: 50, cols: 132 },
    { type: "SIGNAL", id: 1, signal: "SIGINT" },
    { type: "END", id: 1, code: 143, signal: "SIGTERM" },
    { type: "END", id: 1, code: 0, error: "no-such-vassal", reason: "no vassal x" },
    { type: "CANCEL", id: 1, reason: "caller gone" },
  ];
  for (const f of frames) expect(roundTrip(f)).toEqual(f);
});

test("malformed admin frames are protocol errors that say what is wrong", () => {
  const bad = (modifier2: number, vars: Record<string, string>) => () =>
    decodeAdminFrame({ modifier1: 223, modifier2, payload: encodeVars(vars) });
  expect(bad(39, {})).toThrow(/unknown admin frame type 39/);
  expect(bad(28, { id: "1", fd: "3", data: "x" })).toThrow(/DATA fd 3/);
  expect(bad(26, { id: "1", kind: "shell", vassal: "a" })).toThrow(/neither "exec" nor "logs"/);
  expect(bad(30, { id: "x", bytes: "1" })).toThrow(ProtocolError);
  // Names and free text that would end up in log lines are checked where they come in.
  expect(bad(26, { id: "1", kind: "exec", vassal: "a\nFAKE log line", argc: "1", "arg.0": "x" })).toThrow(
    /OPEN vassal "a\\nFAKE log line" is not a name/,
  );
  expect(bad(26, { id: "1", kind: "logs", vassal: "..", lines: "1" })).toThrow(/is not a name/);
  expect(bad(20, { proto: "zeus-admin/1", client: "me\r\nx" })).toThrow(/not printable ASCII/);
  expect(bad(23, { "@id": "1", "@cmd": "ping\nx" })).toThrow(/is not a command name/);
  expect(decodeAdminFrame({ modifier1: 223, modifier2: 31, payload: encodeVars({ id: "1", rows: "0", cols: "99999" }) })).toEqual({
    type: "RESIZE",
    id: 1,
    rows: 1,
    cols: 10_000,
  });
});

test("splitVars and VarsJoiner carry values of any size, astral characters included", () => {
  const big = "ab😀".repeat(30_000);
  const parts = splitVars({ body: big, small: "x" });
  expect(parts.length).toBeGreaterThan(1);
  for (const p of parts) expect(encodeVars(p).byteLength).toBeLessThan(65_000);
  const j = new VarsJoiner();
  for (const p of parts) j.add(p);
  expect(j.vars).toEqual({ body: big, small: "x" });
  expect(() => {
    const k = new VarsJoiner();
    for (let i = 0; i < 300; i++) k.add({ [`k${i}`]: "y".repeat(16_000) });
  }).toThrow(/more than/);
});

test("loopback addresses", () => {
  for (const a of ["127.0.0.1:1", "127.9.8.7:65535", "[::1]:80", "[::ffff:127.0.0.1]:9", "::1"]) expect(isLoopback(a)).toBe(true);
  for (const a of ["10.0.0.1:1", "[::2]:80", "128.0.0.1:1", "[fe80::1]:5", "1270.0.0.1:1"]) expect(isLoopback(a)).toBe(false);
});

test("admin verdicts: certificates named by --admin, else loopback only", () => {
  expect(adminVerdict({ remote: "10.0.0.2:5", certNames: ["ops", "ops.example"], clientCerts: true, admins: ["ops"] })).toEqual({
    ok: true,
    who: "ops",
  });
  const notAdmin = adminVerdict({ remote: "127.0.0.1:5", certNames: ["e1"], clientCerts: true, admins: ["ops"] });
  expect(notAdmin).toEqual({ ok: false, reason: expect.stringContaining('certificate names "e1"') });
  expect(adminVerdict({ remote: "127.0.0.1:5", certNames: ["ops"], clientCerts: true, admins: [] })).toMatchObject({
    ok: false,
    reason: expect.stringContaining("--admin NAME"),
  });
  expect(adminVerdict({ remote: "127.0.0.1:5", certNames: [], clientCerts: false, admins: [] })).toEqual({ ok: true, who: "127.0.0.1:5" });
  expect(adminVerdict({ remote: "192.0.2.9:5", certNames: [], clientCerts: false, admins: ["ops"] })).toMatchObject({
    ok: false,
    reason: expect.stringContaining("not a loopback"),
  });
});

test("admin verdicts say whose admins they are: zeus's by default, another server's by its wording", () => {
  const ring = { server: "this node", given: "ring.toml's [tls] admins", howTo: 'name one in ring.toml: [tls] admins = ["NAME"]' };
  expect(adminVerdict({ remote: "10.0.0.2:5", certNames: ["client"], clientCerts: true, admins: ["ops"] }, ring)).toEqual({
    ok: false,
    reason: `not an admin: certificate names "client", none of them given to ring.toml's [tls] admins`,
  });
  expect(adminVerdict({ remote: "10.0.0.2:5", certNames: ["client"], clientCerts: true, admins: [] }, ring)).toEqual({
    ok: false,
    reason: 'this node names no admin certificate (name one in ring.toml: [tls] admins = ["NAME"])',
  });
  expect(adminVerdict({ remote: "192.0.2.9:5", certNames: [], clientCerts: false, admins: [] }, ring)).toMatchObject({
    reason: expect.stringContaining("only local clients may administer this node"),
  });
  expect(adminVerdict({ remote: "10.0.0.2:5", certNames: ["client"], clientCerts: true, admins: ["ops"] })).toMatchObject({
    reason: expect.stringContaining("none of them given to zeus --admin"),
  });
});

function hub(verdictOk = true) {
  const sent: [number, AdminFrame][] = [];
  const closed: number[] = [];
  const h = new AdminHub(
    { send: (c, f) => sent.push([c, f]), close: (c) => closed.push(c), remote: () => "127.0.0.1:9" },
    {
      verdict: () => (verdictOk ? { ok: true, who: "ops" } : { ok: false, reason: "not an admin: nope" }),
      commands: {
        echo: ({ who, vars }) => ({ who, ...vars }),
        fail: () => {
          throw new AdminError("no-such-node", "no node n9");
        },
        slow: async () => {
          // The slow command: it answers after its connection is gone (the test below).
          await Bun.sleep(5);
          return { done: "1" };
        },
      },
      ctx: {},
      server: "zeus",
    },
  );
  return { h, sent, closed };
}

test("the hub welcomes admins, answers requests (split or not) and failures, refuses others", async () => {
  const { h, sent, closed } = hub();
  h.hello(1, { type: "HELLO", proto: ADMIN_PROTO, client: "t" });
  expect(sent.shift()).toEqual([1, { type: "WELCOME", who: "ops", server: "zeus" }]);
  h.frame(1, { type: "REQUEST", id: 5, command: "echo", vars: { a: "x" }, more: true });
  h.frame(1, { type: "REQUEST", id: 5, command: "echo", vars: { a: "y", b: "z" }, more: false });
  h.frame(1, { type: "REQUEST", id: 6, command: "fail", vars: {}, more: false });
  h.frame(1, { type: "REQUEST", id: 7, command: "nope", vars: {}, more: false });
  await waitFor(() => sent.length >= 3, 5000, "the three answers");
  expect(sent).toContainEqual([1, { type: "REPLY", id: 5, vars: { who: "ops", a: "xy", b: "z" }, more: false }]);
  expect(sent).toContainEqual([1, { type: "FAILED", id: 6, code: "no-such-node", reason: "no node n9" }]);
  expect(sent).toContainEqual([1, expect.objectContaining({ type: "FAILED", id: 7, code: "unknown-command" })]);
  expect(() => h.frame(1, { type: "WELCOME", who: "x", server: "y" })).toThrow(/may not be sent by an admin client/);
  expect(() => h.frame(2, { type: "REQUEST", id: 1, command: "echo", vars: {}, more: false })).toThrow(/not an admitted admin/);
  // A reply to a connection gone meanwhile is dropped.
  h.frame(1, { type: "REQUEST", id: 8, command: "slow", vars: {}, more: false });
  h.closed(1);
  // A non-event (no REPLY to a closed connection): well past the slow command's 5 ms.
  await Bun.sleep(20);
  expect(sent.some(([, f]) => f.type === "REPLY" && f.id === 8)).toBe(false);
  expect(closed).toEqual([]);

  const r = hub(false);
  r.h.hello(3, { type: "HELLO", proto: ADMIN_PROTO, client: "t" });
  expect(r.sent).toEqual([[3, { type: "REFUSED", reason: "not an admin: nope" }]]);
  expect(r.closed).toEqual([3]);
  const p = hub(true);
  p.h.hello(4, { type: "HELLO", proto: "other/9", client: "t" });
  expect(p.sent[0]![1]).toMatchObject({ type: "REFUSED", reason: expect.stringContaining("unknown admin protocol") });
});
