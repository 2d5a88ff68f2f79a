// zeus keeps its memory through a plain restart (issue 21 item 1): with --state it always
// restores what it recorded, without --restore. Each test restarts zeus (SIGTERM, then the
// same command line) and fails when the restarted zeus forgets: an auto-reverted bad config
// pushed again, an edit rolled out to every copy at once, a drain forgotten. Then --fresh.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bin, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import {
  type EmperorProc,
  roll,
  rollHealthy,
  rollingConf,
  rollTags,
  sleeper,
  startCluster,
  startZeus,
  stopAll,
  writeVassals,
  type ZeusProc,
} from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

/** SIGTERM, `meanwhile`, then zeus again on the same port, directory and state file, with no --restore. */
async function restart(z: ZeusProc, state: string, meanwhile = () => {}): Promise<ZeusProc> {
  process.kill(z.proc.pid, "SIGTERM");
  await z.proc.exited;
  meanwhile();
  return await startZeus({ dir: z.dir, port: z.port, extra: ["--state", state] });
}

const settled = (z: ZeusProc) =>
  waitFor(
    async () => {
      const s = await z.status();
      const v = s?.vassals.find((x) => x.name === "roll.toml");
      return s && !s.settling && s.emperors.every((e) => e.alive) && rollHealthy(v) ? { s, v: v! } : undefined;
    },
    20_000,
    "the restarted zeus settled, every copy healthy",
  );

/** Three healthy copies of v1, saved as the last good config. */
async function rolledOut(state: string) {
  const cluster = await startCluster(3, ["--state", state]);
  writeVassals(cluster.z.dir, { "roll.toml": rollingConf("v1", "exec:/bin/true", 0.3) });
  await waitFor(async () => rollHealthy(await roll(cluster.z)), 20_000, "three healthy copies of v1");
  const savedLastGood = () =>
    existsSync(state) &&
    (JSON.parse(readFileSync(state, "utf8")) as { vassals: { name: string; lastGood?: unknown }[] }).vassals.some(
      (v) => v.name === "roll.toml" && v.lastGood,
    );
  await waitFor(savedLastGood, 10_000, "v1 saved as the last good config");
  return cluster;
}

test("a plain restart after an auto_revert does not push the bad config again", async () => {
  const state = join(tmpDir(), "zeus-state.json");
  const { z, emperors } = await rolledOut(state);
  writeVassals(z.dir, { "roll.toml": rollingConf("v2", "exec:/bin/false", 0.3) });
  await waitFor(
    async () => {
      const v = await roll(z);
      return v?.rollout?.state === "reverted" && rollHealthy(v) && rollTags(emperors).every((t) => t === "v1");
    },
    30_000,
    "v2 reverted to v1",
  );
  const z2 = await restart(z, state);
  const after = await settled(z2);
  expect(after.v.rollout?.state).toBe("reverted");
  expect(after.s.counters.updates).toBe(0);
  expect(rollTags(emperors)).toEqual(["v1", "v1", "v1"]);
}, 120_000);

test("an edit made while zeus was down rolls out max_parallel = 1 copy at a time after a plain restart", async () => {
  const state = join(tmpDir(), "zeus-state.json");
  const { z, emperors } = await rolledOut(state);
  // v2 must run well for 60 s per copy: the rollout holds at its first copy.
  const z2 = await restart(z, state, () => writeVassals(z.dir, { "roll.toml": rollingConf("v2", "exec:/bin/true", 60) }));
  let worst = 0;
  await waitFor(
    async () => {
      const v = await roll(z2);
      const t = rollTags(emperors);
      worst = Math.max(worst, t.filter((x) => x === "v2").length);
      return v?.rollout?.state === "rolling" && rollHealthy(v) && t.includes("v2");
    },
    20_000,
    "the first copy on v2, proving itself",
  );
  expect(worst).toBe(1);
  expect(rollTags(emperors)).toEqual(["v1", "v1", "v2"]);
}, 120_000);

test("a drain survives a plain restart; --fresh forgets it and says what it discarded", async () => {
  const state = join(tmpDir(), "zeus-state.json");
  const { z } = await startCluster(3, ["--state", state]);
  writeVassals(z.dir, { "one.toml": sleeper() });
  await waitFor(async () => (await z.status())?.vassals[0]?.state === "running", 20_000, "one.toml running");
  const drained = await run(bin("zeus"), ["drain", "e3", "--zeus", `127.0.0.1:${z.port}`]);
  expect(drained.code).toBe(0);
  const z2 = await restart(z, state);
  const e3 = (await z2.status())!.emperors.find((e) => e.node === "e3");
  expect(["draining", "drained"]).toContain(e3?.drain!);
  const table = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z2.statsPort}`]);
  expect(table.stdout).toMatch(/^e3\s+(yes|no) \(drain(ed|ing)\)/m);

  process.kill(z2.proc.pid, "SIGTERM");
  await z2.proc.exited;
  const z3 = await startZeus({ dir: z.dir, port: z.port, extra: ["--state", state, "--fresh"] });
  await waitFor(async () => (await z3.status())?.emperors.length === 3, 15_000, "three emperors back");
  expect((await z3.status())!.emperors.find((e) => e.node === "e3")?.drain).toBeUndefined();
  await waitFor(
    () => /--fresh: starting without the state saved in .*discarding 3 emperors, 1 assignment, 1 drain/.test(z3.proc.stderr()),
    5000,
    "the --fresh warning",
  );
}, 120_000);
