import { expect, test } from "bun:test";
import type { Candidate } from "../../lib/etcd/mod.ts";
import { predecessorGone } from "../../lib/zeus/ha.ts";

const me: Candidate = { id: "h1-200-aaaaaa", zeus: "10.0.0.1:4040", since: "2026-01-01T00:00:00.000Z", machine: "h1", pid: 200 };
const old: Candidate = { ...me, id: "h1-100-bbbbbb", pid: 100 };
const dead = () => false;
const alive = () => true;

test("a leader on this machine at this address whose process is gone is this zeus' predecessor, gone", () => {
  expect(predecessorGone(old, me, dead)).toBe(true);
  // Its pid is now this process' own (reused): it is gone too.
  expect(predecessorGone({ ...old, pid: 200 }, me, alive)).toBe(true);
});

test("anything short of proof is not gone: a running pid, another machine or address, an older zeus that did not say", () => {
  expect(predecessorGone(old, me, alive)).toBe(false);
  expect(predecessorGone({ ...old, machine: "h2" }, me, dead)).toBe(false);
  expect(predecessorGone({ ...old, zeus: "10.0.0.1:4041" }, me, dead)).toBe(false);
  const { machine: _, pid: __, ...older } = old;
  expect(predecessorGone(older, me, dead)).toBe(false);
  expect(predecessorGone({ ...old, pid: 0 }, me, dead)).toBe(false);
  expect(predecessorGone(me, me, dead)).toBe(false);
});
