import { expect, test } from "bun:test";
import type { Copy, VassalRecord } from "../../lib/zeus/records.ts";
import { planReconcile } from "../../lib/zeus/reconcile.ts";

const sha = "a".repeat(64);
const vassal = (name: string, copies: number, on: Copy[] = [], extra: Partial<VassalRecord> = {}): VassalRecord => ({
  name,
  sha256: sha,
  copies,
  config: 1,
  rejections: 0,
  rejectedBy: new Set(),
  copiesOn: new Map(on.map((c) => [c.node, c])),
  moves: 0,
  ...extra,
});
const copy = (node: string, state: Copy["state"] = "running"): Copy => ({ node, state, pid: 1, restarts: 0 });
const rep = (name: string) => ({ name, pid: 9, restarts: 0, sha256: sha });

test("held copies are confirmed or lost; pending destroys are repeated or done", () => {
  const vassals = new Map([
    ["a", vassal("a", 1, [copy("e1")])],
    ["b", vassal("b", 1, [copy("e1")])],
  ]);
  const plan = planReconcile("e1", new Set(["a", "b"]), new Set(["x", "y"]), [rep("a"), rep("x")], vassals);
  expect(plan).toEqual({ confirm: [rep("a")], lost: ["b"], destroyAgain: ["x"], destroyed: ["y"], adopt: [], destroy: [] });
});

test("foreign copies: adopted when short, replacing one still starting, else destroyed as extras; unknown ones destroyed", () => {
  const vassals = new Map([
    ["short", vassal("short", 2, [copy("e2")])],
    ["starting", vassal("starting", 1, [copy("e2", "offered")])],
    ["full", vassal("full", 1, [copy("e2")])],
    ["broken", vassal("broken", 1, [], { error: "bad", config: undefined })],
  ]);
  const reported = ["short", "starting", "full", "broken", "gone"].map(rep);
  const plan = planReconcile("e1", new Set(), new Set(), reported, vassals);
  expect(plan.adopt).toEqual([{ vassal: rep("short") }, { vassal: rep("starting"), replaces: "e2" }]);
  expect(plan.destroy).toEqual([
    { name: "full", extra: true },
    { name: "broken", extra: false },
    { name: "gone", extra: false },
  ]);
});

test("a running copy beats one only remembered from the saved state (a new leader's older placement)", () => {
  const vassals = new Map([
    ["moved", vassal("moved", 1, [copy("e1", "restored")])],
    ["two", vassal("two", 2, [copy("e1", "restored"), copy("e2", "running")])],
    ["kept", vassal("kept", 1, [copy("e2", "running")])],
  ]);
  const plan = planReconcile("e3", new Set(), new Set(), ["moved", "two", "kept"].map(rep), vassals);
  expect(plan.adopt).toEqual([
    { vassal: rep("moved"), replaces: "e1" },
    { vassal: rep("two"), replaces: "e1" },
  ]);
  expect(plan.destroy).toEqual([{ name: "kept", extra: true }]);
});
