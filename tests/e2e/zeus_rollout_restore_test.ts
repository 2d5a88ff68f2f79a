// A rolling update across kill -9 of zeus and `--restore` (real binaries, three emperors): the
// restored zeus resumes the rollout one copy at a time, auto_revert still goes back to the last
// good config saved before the restart, and a revert stays a revert after another restart.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../../lib/zeus_protocol/mod.ts";
import { removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import {
  type EmperorProc,
  roll,
  rollHealthy,
  rollingConf,
  rollTags,
  startCluster,
  startZeus,
  stopAll,
  writeVassals,
  type ZeusProc,
} from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("kill -9 of zeus mid-rollout: --restore resumes it one copy at a time, auto_revert uses the saved last good config, a revert survives another restart", async () => {
  const state = join(tmpDir(), "zeus-state.json");
  const { z, spec, emperors } = await startCluster(3, ["--state", state]);
  const v1 = rollingConf("v1", "exec:/bin/true", 0.3);
  writeVassals(z.dir, { "roll.toml": v1 });
  await waitFor(async () => rollHealthy(await roll(z)), 20_000, "three healthy copies of v1");
  const savedLastGood = () => {
    if (!existsSync(state)) return undefined;
    const s = JSON.parse(readFileSync(state, "utf8")) as { vassals: { name: string; lastGood?: { sha256: string } }[] };
    return s.vassals.find((v) => v.name === "roll.toml")?.lastGood?.sha256;
  };
  await waitFor(() => savedLastGood() === sha256Hex(new TextEncoder().encode(v1)), 10_000, "v1 saved as the last good config");

  // v2 must run well for 60 s per copy: the rollout is held at its first copy when zeus dies.
  const fail = join(tmpDir(), "fail");
  writeVassals(z.dir, { "roll.toml": rollingConf("v2", `exec:/bin/test ! -e ${fail}`, 60) });
  await waitFor(
    async () => {
      const v = await roll(z);
      return v?.rollout?.state === "rolling" && v.rollout.waiting.length === 1 && rollHealthy(v);
    },
    20_000,
    "the first copy on v2, proving itself",
  );
  process.kill(z.proc.pid, "SIGKILL");
  await z.proc.exited;
  expect(rollTags(emperors)).toEqual(["v1", "v1", "v2"]);

  const z2 = await startZeus({ dir: z.dir, port: z.port, extra: ["--state", state, "--restore"] });
  const resumed = await waitFor(
    async () => {
      const s = await z2.status();
      const v = s?.vassals.find((x) => x.name === "roll.toml");
      return s && !s.settling && rollHealthy(v) && v!.rollout?.state === "rolling" ? s : undefined;
    },
    20_000,
    "the restored rollout, every copy healthy",
  );
  // Resumed, not restarted: the two copies on v1 were not updated together on reconnecting.
  expect(resumed.counters.updates).toBe(0);
  expect(rollTags(emperors)).toEqual(["v1", "v1", "v2"]);

  // v2 starts failing its check: the rollout stops and its copy goes back to v1, the last good
  // config saved by the zeus before; never more than that one copy is down meanwhile.
  let worst = 0;
  writeFileSync(fail, "");
  await waitFor(
    async () => {
      const v = await roll(z2);
      if (v) worst = Math.max(worst, v.emperors.filter((c) => c.state !== "running" || c.health !== "healthy").length);
      return v?.rollout?.state === "reverted" && rollHealthy(v) && rollTags(emperors).every((t) => t === "v1");
    },
    30_000,
    "v2 reverted to v1",
  );
  expect(worst).toBeLessThanOrEqual(1);
  expect((await roll(z2))!.rollout!.reason).toMatch(/^e\d: unhealthy/);

  // Another kill -9 and restore: still reverted, v2 is not rolled out again, nothing is updated.
  process.kill(z2.proc.pid, "SIGKILL");
  await z2.proc.exited;
  const z3 = await startZeus({ dir: z.dir, port: z.port, extra: ["--state", state, "--restore"] });
  const after = await waitFor(
    async () => {
      const s = await z3.status();
      const v = s?.vassals.find((x) => x.name === "roll.toml");
      return s && !s.settling && rollHealthy(v) ? { s, v: v! } : undefined;
    },
    20_000,
    "every copy healthy after the second restore",
  );
  expect(after.v.rollout?.state).toBe("reverted");
  // /status names the config handed out (v1 again) and the one auto_revert went back to.
  const v1sha = sha256Hex(new TextEncoder().encode(v1));
  expect([after.v.sha256, after.v.last_good_sha256]).toEqual([v1sha, v1sha]);
  expect(after.s.counters.updates).toBe(0);
  expect(rollTags(emperors)).toEqual(["v1", "v1", "v1"]);
}, 120_000);
