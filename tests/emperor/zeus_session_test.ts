import { expect, test } from "bun:test";
import { waitFor } from "../helpers/procs.ts";
import type { VassalStatus } from "../../lib/emperor/supervisor.ts";
import { ZeusSession, type VassalHost } from "../../lib/emperor/zeus_session.ts";
import { configMessages, type ZeusMessage } from "../../lib/zeus_protocol/mod.ts";

/** A supervisor stand-in that records calls and "runs" vassals as pids. */
function fakeHost() {
  const running = new Map<string, { text: string; pid: number }>();
  const calls: string[] = [];
  let pid = 500;
  const host: VassalHost = {
    apply: (name, text) => {
      calls.push(`apply ${name}`);
      running.set(name, { text, pid: running.get(name)?.pid ?? pid++ });
    },
    reload: (name) => void calls.push(`reload ${name}`),
    destroy: async (name) => {
      calls.push(`destroy ${name}`);
      running.delete(name);
    },
    has: (name) => running.has(name),
    list: () =>
      [...running].map(([name, v]): VassalStatus => ({ name, kind: "plain", state: "running", pid: v.pid, restarts: 0, since: 0 })),
  };
  return { host, calls, running };
}

const enc = (s: string) => new TextEncoder().encode(s);

function session(max = 2) {
  const h = fakeHost();
  const s = new ZeusSession(h.host, { node: "n1", maxVassals: max });
  const out: ZeusMessage[] = [];
  s.attach((m) => out.push(m));
  return { ...h, s, out };
}

test("attach introduces the emperor and reports what it runs", () => {
  const { out } = session();
  expect(out).toEqual([
    { type: "I_AM_ALIVE", node: "n1", maxVassals: 2, runningVassals: 0 },
    { type: "REPORT_END", count: 0 },
  ]);
});

test("a placement is accepted, its config checked and applied; the spawn is reported", () => {
  const { s, out, calls } = session();
  out.length = 0;
  s.handle({ type: "NEW_VASSAL", name: "a.toml" });
  for (const m of configMessages("a.toml", enc("[vassal]\n"))) s.handle(m);
  s.onEvent({ type: "spawned", name: "a.toml", pid: 500 });
  expect(out).toEqual([
    { type: "ACCEPTED_VASSAL", name: "a.toml" },
    { type: "VASSAL_SPAWNED", name: "a.toml", pid: 500, restarts: 0 },
  ]);
  expect(calls).toEqual(["apply a.toml"]);
});

test("a digest mismatch, a bad name and a full emperor are rejected with reasons", () => {
  const { s, out, calls } = session(1);
  out.length = 0;
  s.handle({ type: "NEW_VASSAL", name: "a.toml" });
  s.handle({ type: "CONFIG_CHUNK", name: "a.toml", body: enc("x") });
  s.handle({ type: "CONFIG_END", name: "a.toml", sha256: "0".repeat(64) });
  s.handle({ type: "NEW_VASSAL", name: "../x" });
  s.handle({ type: "NEW_VASSAL", name: "b.toml" });
  for (const m of configMessages("b.toml", enc("[vassal]\n"))) s.handle(m);
  s.handle({ type: "NEW_VASSAL", name: "c.toml" });
  expect(out.map((m) => m.type === "VASSAL_REJECTED" && m.reason)).toEqual([
    false,
    expect.stringMatching(/^config digest mismatch: received [0-9a-f]{64}, CONFIG_END says 0{64}$/),
    'Vassal name "../x" is not allowed: it contains "/"',
    false,
    "full: 1 of 1 vassals",
  ]);
  expect(calls).toEqual(["apply b.toml"]);
});

test("chunks nobody announced are a protocol error; destroy answers once reaped", async () => {
  const { s, out } = session();
  expect(() => s.handle({ type: "CONFIG_CHUNK", name: "z.toml", body: enc("x") })).toThrow("CONFIG_CHUNK for z.toml without NEW_VASSAL");
  out.length = 0;
  s.handle({ type: "VASSAL_DESTROY", name: "never.toml" });
  await waitFor(() => out.length > 0, 5000, "the answer");
  expect(out).toEqual([{ type: "VASSAL_DESTROYED", name: "never.toml" }]);
});

test("an update with the same config is a reload; a changed one is applied", () => {
  const { s, out, calls } = session();
  s.handle({ type: "NEW_VASSAL", name: "a.toml" });
  for (const m of configMessages("a.toml", enc("[vassal]\n"))) s.handle(m);
  s.handle({ type: "VASSAL_UPDATE", name: "a.toml" });
  for (const m of configMessages("a.toml", enc("[vassal]\n"))) s.handle(m);
  s.handle({ type: "VASSAL_UPDATE", name: "a.toml" });
  for (const m of configMessages("a.toml", enc("[vassal]\n# v2\n"))) s.handle(m);
  expect(calls).toEqual(["apply a.toml", "reload a.toml", "apply a.toml"]);
  out.length = 0;
  s.detach();
  s.onEvent({ type: "reloaded", name: "a.toml" });
  expect(out).toEqual([]);
});

test("fencing: once a newer zeus term commanded, a command of an older term is refused with ERROR and not carried out", () => {
  const { s, out, calls, running } = session();
  running.set("a.toml", { text: "", pid: 9 });
  out.length = 0;
  s.handle({ type: "VASSAL_RELOAD", name: "a.toml" }, 20);
  s.handle({ type: "VASSAL_DESTROY", name: "a.toml" }, 12);
  expect(calls).toEqual(["reload a.toml"]);
  expect(out).toEqual([
    {
      type: "ERROR",
      reason:
        "VASSAL_DESTROY a.toml from zeus term 12 refused: this emperor has seen term 20 (a newer leader); the sender is no longer the leader",
    },
  ]);
});
