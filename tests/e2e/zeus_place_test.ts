// zeus + three emperors (real binaries): spreading, copies, big configs, update/touch/remove.
import { afterAll, afterEach, expect, test } from "bun:test";
import { readFileSync, rmSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { removeTmpDirs, run, bin, waitFor } from "../helpers/procs.ts";
import { alive, allRunning, copies, sleeper, startCluster, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("three emperors and 30 plain vassals: 10/10/10, each running once, pids alive", async () => {
  const { z, emperors } = await startCluster();
  const files: Record<string, string> = {};
  for (let i = 0; i < 30; i++) files[`v${String(i).padStart(2, "0")}.toml`] = sleeper();
  writeVassals(z.dir, files);
  const s = await allRunning(z, 30);
  expect(s.emperors.map((e) => e.assigned)).toEqual([10, 10, 10]);
  const seen = await copies(emperors);
  expect(seen.size).toBe(30);
  for (const [name, where] of seen) {
    expect(where.length).toBe(1);
    expect(alive(where[0]![1])).toBe(true);
    expect(s.vassals.find((v) => v.name === name)!.emperors[0]!.pid).toBe(where[0]![1]);
  }
  const table = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z.statsPort}`]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^EMPEROR\s+ALIVE/);
  expect(table.stdout).toContain("v29.toml");
}, 60_000);

test("nodes = 3 runs on three distinct emperors; a 100 KB config arrives intact", async () => {
  const { z, emperors } = await startCluster();
  const big = sleeper(`# ${"0123456789abcdef".repeat(6400)}\n`);
  writeVassals(z.dir, { "trio.toml": sleeper("nodes = 3\n"), "big.toml": big });
  await allRunning(z, 2);
  const seen = await copies(emperors);
  expect(
    seen
      .get("trio.toml")!
      .map(([n]) => n)
      .sort(),
  ).toEqual(["e1", "e2", "e3"]);
  const [holder] = seen.get("big.toml")![0]!;
  const e = emperors.find((x) => x.node === holder)!;
  expect(readFileSync(join(e.stateDir, "vassals", "big.toml"), "utf8")).toBe(big);
}, 60_000);

test("an edited file is updated, a touched one reloaded, a removed one destroyed", async () => {
  const { z, emperors } = await startCluster();
  writeVassals(z.dir, { "a.toml": sleeper(), "b.toml": sleeper(), "c.toml": sleeper() });
  await allRunning(z, 3);
  const before = await copies(emperors);
  const pidOf = async (name: string) => (await copies(emperors)).get(name)?.[0]?.[1];

  writeVassals(z.dir, { "a.toml": sleeper("# edited\n") });
  await waitFor(async () => (await pidOf("a.toml")) !== before.get("a.toml")![0]![1], 5000, "a.toml restarted");
  const [aNode] = (await copies(emperors)).get("a.toml")![0]!;
  const aEmp = emperors.find((x) => x.node === aNode)!;
  expect(readFileSync(join(aEmp.stateDir, "vassals", "a.toml"), "utf8")).toContain("# edited");

  const t = new Date(Date.now() + 5000);
  utimesSync(join(z.dir, "b.toml"), t, t);
  await waitFor(async () => (await pidOf("b.toml")) !== before.get("b.toml")![0]![1], 5000, "b.toml reloaded (restart)");

  rmSync(join(z.dir, "c.toml"));
  await waitFor(async () => !(await copies(emperors)).has("c.toml"), 5000, "c.toml destroyed");
  expect(alive(before.get("c.toml")![0]![1])).toBe(false);
  const s = await allRunning(z, 2);
  expect(s.counters.updates).toBe(1);
  expect(s.counters.reloads).toBe(1);
}, 60_000);
