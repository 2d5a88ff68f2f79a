import { expect, test } from "bun:test";
import fc from "fast-check";
import { UPDATE_DEFAULTS, type UpdatePolicy } from "../../lib/vassal/fleet_config.ts";
import { planRollout, type RolloutCopy } from "../../lib/zeus/rollout.ts";

const p: UpdatePolicy = { maxParallel: 1, minHealthyMs: 1000, autoRevert: false };
const old = (node: string): RolloutCopy => ({ node, sha: "old", goodSince: 0 });

test("one at a time: the next starts once the updated one ran well for min_healthy", () => {
  expect(planRollout("new", [old("a"), old("b"), old("c")], p, 10)).toEqual({
    kind: "rolling",
    update: ["a"],
    updated: 0,
    total: 3,
    waiting: [],
  });
  const a = { node: "a", sha: "new" };
  expect(planRollout("new", [a, old("b"), old("c")], p, 20)).toMatchObject({ update: [], waiting: ["a"] });
  expect(planRollout("new", [{ ...a, goodSince: 20 }, old("b"), old("c")], p, 500)).toMatchObject({ update: [], waiting: ["a"] });
  expect(planRollout("new", [{ ...a, goodSince: 20 }, old("b"), old("c")], p, 1020)).toMatchObject({ update: ["b"], updated: 1 });
  const all = ["a", "b", "c"].map((node) => ({ node, sha: "new", goodSince: 0 }));
  expect(planRollout("new", all, p, 999)).toMatchObject({ kind: "rolling", update: [], waiting: ["a", "b", "c"] });
  expect(planRollout("new", all, p, 1000)).toEqual({ kind: "done", total: 3 });
});

test("max_parallel copies change at once; copies not running on the old config go first", () => {
  const copies = [old("a"), old("b"), { node: "c", sha: "old" }, old("d")];
  expect(planRollout("new", copies, { ...p, maxParallel: 2 }, 0)).toMatchObject({ update: ["c", "a"] });
});

test("a copy failing on the new config stops the rollout; auto_revert sends back every updated copy", () => {
  const copies = [
    { node: "a", sha: "new", goodSince: 0 },
    { node: "b", sha: "new", problem: "backoff after exit 1 (1 quick death in a row)" },
    old("c"),
  ];
  expect(planRollout("new", copies, p, 5000)).toEqual({
    kind: "failed",
    node: "b",
    reason: "b: backoff after exit 1 (1 quick death in a row)",
    revert: [],
  });
  expect(planRollout("new", copies, { ...p, autoRevert: true }, 5000)).toMatchObject({ revert: ["a", "b"] });
  // A problem on the old config is not the rollout's failure.
  expect(planRollout("new", [{ ...old("a"), problem: "backoff" }], p, 0)).toMatchObject({ kind: "rolling", update: ["a"] });
});

test("defaults: one at a time, 10 s, no revert", () => {
  expect(UPDATE_DEFAULTS).toEqual({ maxParallel: 1, minHealthyMs: 10_000, autoRevert: false });
});

test("property: following the plan never has more than max_parallel copies changing, and ends done", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 50 }),
      (n, par, delays) => {
        const policy = { ...p, maxParallel: par, minHealthyMs: 100 };
        const copies: RolloutCopy[] = Array.from({ length: n }, (_, i) => old(`n${i}`));
        let now = 0;
        for (let step = 0; step < 2000; step++) {
          const plan = planRollout("new", copies, policy, now);
          if (plan.kind === "done") return;
          expect(plan.kind).toBe("rolling");
          if (plan.kind !== "rolling") return;
          for (const node of plan.update)
            Object.assign(
              copies.find((c) => c.node === node)!,
              { sha: "new", goodSince: undefined },
            );
          const changing = copies.filter((c) => c.sha === "new" && (c.goodSince === undefined || now - c.goodSince < 100));
          expect(changing.length).toBeLessThanOrEqual(par);
          now += delays[step % Math.max(1, delays.length)] ?? 50;
          for (const c of copies) if (c.sha === "new" && c.goodSince === undefined) c.goodSince = now;
        }
        throw new Error("the rollout never ended");
      },
    ),
  );
});
