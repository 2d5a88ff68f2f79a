import { expect, test } from "bun:test";
import { ConnGuard } from "../../lib/net/conn_guard.ts";

const limits = { max: 3, partialMs: 10_000, idleMs: 600_000, maxExempt: 1 };

test("admits up to max; a released connection frees its place", () => {
  const g = new ConnGuard<string>(limits, () => 0);
  expect(["a", "b", "c", "d"].map((k) => g.admit(k))).toEqual([true, true, true, false]);
  g.release("b");
  g.release("b");
  expect(g.size).toBe(2);
  expect(g.admit("d")).toBe(true);
});

test("a connection stuck mid-packet is closed after partialMs, even while it trickles bytes", () => {
  let now = 0;
  const g = new ConnGuard<string>(limits, () => now);
  g.admit("slow");
  g.admit("fine");
  g.heard("slow", true);
  for (now = 1000; now < 10_000; now += 1000) {
    g.heard("slow", true);
    g.heard("fine", true);
    g.heard("fine", false);
    expect(g.sweep()).toEqual([]);
  }
  expect(g.sweep()).toEqual([["slow", "stopped in the middle of a packet for 10 s"]]);
  expect(g.size).toBe(1);
});

test("a silent connection is closed after idleMs unless it is an exempt listener; exemptions are capped", () => {
  let now = 0;
  const g = new ConnGuard<string>(limits, () => now);
  for (const k of ["a", "b", "listener"]) g.admit(k);
  expect(g.exemptFromIdle("listener")).toBe(true);
  expect(g.exemptFromIdle("listener")).toBe(true);
  expect(g.exemptFromIdle("a")).toBe(false);
  now = 599_999;
  g.heard("b", false);
  expect(g.sweep()).toEqual([]);
  now = 600_000;
  expect(g.sweep()).toEqual([["a", "sent nothing for 600 s"]]);
  g.release("listener");
  expect(g.exempt).toBe(0);
  expect(g.exemptFromIdle("b")).toBe(true);
});
