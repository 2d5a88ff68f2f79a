import { afterAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cgroup2Mount, CgroupTree, subtreeName } from "../../lib/emperor/cgroup.ts";

test("the cgroup2 mount is read from mountinfo: only a writable cgroup2 at its root", () => {
  const v1 = "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu";
  const v2 = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw";
  expect(cgroup2Mount(`${v1}\n${v2}\n`)).toBe("/sys/fs/cgroup/unified");
  expect(cgroup2Mount(v1)).toBeUndefined();
  expect(cgroup2Mount("41 31 0:38 / /sys/fs/cgroup ro,relatime - cgroup2 cgroup2 rw")).toBeUndefined();
  expect(cgroup2Mount("41 31 0:38 /sub /mnt/cg rw - cgroup2 cgroup2 rw")).toBeUndefined();
  expect(cgroup2Mount("41 31 0:38 / /mnt/my\\040cg rw - cgroup2 cgroup2 rw")).toBe("/mnt/my cg");
  expect(subtreeName("/var/lib/emperor")).toMatch(/^emperor-[0-9a-f]{16}$/);
  expect(subtreeName("/var/lib/emperor")).not.toBe(subtreeName("/var/lib/emperor2"));
});

const stateDir = `/tmp/cgroup-unit-${process.pid}`;
const tree = CgroupTree.open(stateDir);
const withLimits = tree && tree.controllers.has("memory") && tree.controllers.has("pids");
if (!tree) console.log("skipping the cgroup file tests: cgroup v2 is not usable here (needs root and a writable cgroup2 mount)");
else if (!withLimits)
  console.log(
    `skipping the cgroup limit test: the memory and pids controllers are not enabled in cgroup v2 here (have: ${[...tree.controllers].join(" ") || "none"})`,
  );

afterAll(() => {
  tree?.remove("limits.toml");
  tree?.remove("plain.toml");
  if (tree) require("node:fs").rmdirSync(tree.path);
});

test.skipIf(!tree)("each vassal gets a cgroup of its own under the state dir's subtree, gone once removed", () => {
  const { procs } = tree!.prepare("plain.toml", {});
  expect(procs).toBe(join(tree!.path, "plain.toml", "cgroup.procs"));
  expect(existsSync(join(tree!.path, "plain.toml", "cgroup.kill"))).toBe(true);
  expect(tree!.remove("plain.toml")).toBe(true);
  expect(existsSync(join(tree!.path, "plain.toml"))).toBe(false);
});

test.skipIf(!withLimits)("memory_max and pids_max are written to the vassal's cgroup files", () => {
  const { unavailable } = tree!.prepare("limits.toml", { memoryMax: "67108864", pidsMax: "32" });
  expect(unavailable).toEqual([]);
  expect(readFileSync(join(tree!.dir("limits.toml"), "memory.max"), "utf8").trim()).toBe("67108864");
  expect(readFileSync(join(tree!.dir("limits.toml"), "pids.max"), "utf8").trim()).toBe("32");
});

test.skipIf(!tree || !!withLimits)("limits whose controller is missing are reported, not silently dropped", () => {
  const { unavailable } = tree!.prepare("limits.toml", { memoryMax: "67108864", pidsMax: "32" });
  expect(unavailable).toEqual(["memory.max", "pids.max"]);
});
