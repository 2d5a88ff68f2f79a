// `zeus restart|stop|start VASSAL[@NODE]`: restart gives one copy (or every copy) a new
// process; stop destroys every copy and keeps the vassal stopped through a zeus kill -9 and
// restart from its state file, until `zeus start` places its copies again.
import { afterAll, afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { bin, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { allRunning, alive, copies, emperorsReady, sleeper, startCluster, startZeus, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("zeus restart one copy, stop (kept through a zeus restart), start", async () => {
  const state = join(tmpDir(), "zeus-state.json");
  const { z, emperors } = await startCluster(2, ["--state", state]);
  const admin = (z2 = z) => ["--zeus", `127.0.0.1:${z2.port}`];
  writeVassals(z.dir, { "web.toml": sleeper("nodes = 2\n") });
  const before = (await allRunning(z, 1)).vassals[0]!;
  const pidOn = (s: typeof before, node: string) => s.emperors.find((c) => c.node === node)!.pid;

  // restart @NODE: only that copy gets a new process.
  const restarted = await run(bin("zeus"), ["restart", "web.toml@e1", ...admin()]);
  expect(restarted.stdout).toContain("restarting web.toml on e1");
  expect(restarted.code).toBe(0);
  const after = await waitFor(
    async () => {
      const v = (await z.status())?.vassals[0];
      return v?.state === "running" && pidOn(v, "e1") !== pidOn(before, "e1") && pidOn(v, "e1") > 0 ? v : undefined;
    },
    15_000,
    "a new pid for web.toml on e1",
  );
  expect(pidOn(after, "e2")).toBe(pidOn(before, "e2"));
  expect(alive(pidOn(before, "e1"))).toBe(false);

  const unknown = await run(bin("zeus"), ["restart", "nope.toml", ...admin()]);
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toContain('zeus has no vassal "nope.toml"');

  // stop: no copy runs anywhere, status says stopped.
  const stopped = await run(bin("zeus"), ["stop", "web.toml", ...admin()]);
  expect(stopped.code).toBe(0);
  expect(stopped.stdout).toContain("stays stopped until zeus start web.toml");
  await waitFor(async () => (await copies(emperors)).size === 0, 15_000, "no copy of web.toml on any emperor");
  const table = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z.statsPort}`]);
  expect(table.stdout).toMatch(/^web\.toml\s+stopped\s+0\/2 .*zeus start web\.toml/m);
  expect(z.proc.stderr()).toMatch(/admin .*: stop web\.toml: stopping web\.toml/);
  // The log of a copy that is gone is still read through zeus, from its emperor.
  const logs = await run(bin("zeus"), ["logs", "web.toml@e1", ...admin()]);
  expect(logs.stderr).toBe("");
  expect(logs.code).toBe(0);

  // Through a kill -9 of zeus: the new zeus, from the same state, keeps it stopped.
  process.kill(z.proc.pid, "SIGKILL");
  await z.proc.exited;
  const z2 = await startZeus({ dir: z.dir, port: z.port, extra: ["--state", state, "--restore"] });
  await emperorsReady(z2, 2);
  // A file change while stopped does not run it either.
  writeVassals(z.dir, { "web.toml": sleeper('nodes = 2\nenv = { V = "2" }\n') });
  // The settle time is over and the change was read: still nothing runs.
  await waitFor(
    async () => {
      const s = await z2.status();
      return s && !s.settling && s.vassals[0]?.sha256 !== before.sha256;
    },
    15_000,
    "zeus settled, with the changed file read",
  );
  expect((await copies(emperors)).size).toBe(0);
  expect((await z2.status())!.vassals[0]!.state).toBe("stopped");

  // start: both copies run again.
  const started = await run(bin("zeus"), ["start", "web.toml", ...admin(z2)]);
  expect(started.code).toBe(0);
  expect(started.stdout).toContain("starting web.toml: placing 2 copies");
  await allRunning(z2, 1);
  await waitFor(async () => (await copies(emperors)).get("web.toml")?.length === 2, 15_000, "two copies of web.toml");
}, 90_000);
