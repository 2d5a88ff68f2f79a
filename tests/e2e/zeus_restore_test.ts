// kill -9 of zeus, then `zeus --restore`: every vassal keeps its pid; then business as usual.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { allRunning, copies, emperorsReady, sleeper, startCluster, startEmperor, startZeus, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("zeus --restore after kill -9: same pids, nothing respawned; then it places, updates and destroys", async () => {
  const state = join(tmpDir(), "zeus-state.json");
  const { z, spec, emperors } = await startCluster(3, ["--state", state]);
  const files: Record<string, string> = {};
  for (let i = 0; i < 9; i++) files[`v${i}.toml`] = sleeper();
  files["pair.toml"] = sleeper("nodes = 2\n");
  writeVassals(z.dir, files);
  await allRunning(z, 10);
  const before = await copies(emperors);
  expect(existsSync(state)).toBe(true);

  process.kill(z.proc.pid, "SIGKILL");
  await z.proc.exited;
  await waitFor(async () => (await emperors[0]!.status())?.zeus.state !== "connected", 5000, "emperors notice");
  const z2 = await startZeus({ dir: z.dir, port: z.port, extra: ["--state", state, "--restore"] });
  const s = await allRunning(z2, 10);
  await waitFor(async () => !(await z2.status())!.settling, 10_000, "restore wait over");
  expect(await copies(emperors)).toEqual(before);
  const after = (await z2.status())!;
  expect(after.counters.placed).toBe(0);
  expect(after.counters.updates + after.counters.reloads + after.counters.destroyed).toBe(0);
  expect(s.vassals.find((v) => v.name === "pair.toml")!.emperors.length).toBe(2);

  writeVassals(z.dir, { "new.toml": sleeper(), "v0.toml": sleeper("# edited\n") });
  rmSync(join(z.dir, "v1.toml"));
  await waitFor(
    async () => {
      const c = await copies(emperors);
      return c.has("new.toml") && !c.has("v1.toml") && c.get("v0.toml")?.[0]?.[1] !== before.get("v0.toml")![0]![1];
    },
    10_000,
    "placed, destroyed and updated after restore",
  );
}, 90_000);

test("zeus --restore: vassals of an emperor that does not come back in time are placed again", async () => {
  const state = join(tmpDir(), "zeus-state.json");
  const z = await startZeus({ extra: ["--state", state] });
  const spec = `zeus:127.0.0.1:${z.port}`;
  const emperors = [await startEmperor("e1", spec), await startEmperor("e2", spec)];
  await emperorsReady(z, 2);
  writeVassals(z.dir, { "a.toml": sleeper(), "b.toml": sleeper(), "c.toml": sleeper(), "d.toml": sleeper() });
  await allRunning(z, 4);
  const onE1 = [...(await copies(emperors))].filter(([, w]) => w[0]![0] === "e1");

  process.kill(z.proc.pid, "SIGKILL");
  process.kill(emperors[1]!.proc.pid, "SIGTERM");
  await emperors[1]!.proc.exited;
  const z2 = await startZeus({ dir: z.dir, port: z.port, extra: ["--state", state, "--restore"] });
  await allRunning(z2, 4);
  const now = await copies([emperors[0]!]);
  expect(now.size).toBe(4);
  for (const [name, w] of onE1) expect(now.get(name)).toEqual(w);
}, 90_000);

test("zeus stopped by SIGTERM and started without --restore adopts what the emperors run: nothing is started twice", async () => {
  const z = await startZeus();
  const spec = `zeus:127.0.0.1:${z.port}`;
  const emperors = [await startEmperor("e1", spec), await startEmperor("e2", spec)];
  writeVassals(z.dir, { "a.toml": sleeper(), "b.toml": sleeper(), "c.toml": sleeper("nodes = 2\n") });
  await allRunning(z, 3);
  const before = await copies(emperors);
  process.kill(z.proc.pid, "SIGTERM");
  expect(await z.proc.exited).toBe(0);
  const z2 = await startZeus({ dir: z.dir, port: z.port });
  await allRunning(z2, 3);
  await waitFor(async () => !(await z2.status())!.settling, 10_000, "settled");
  expect(await copies(emperors)).toEqual(before);
  const c = (await z2.status())!.counters;
  expect([c.placed, c.adopted, c.extras_destroyed]).toEqual([0, 4, 0]);
}, 60_000);

test("zeus stopped with SIGTERM keeps every assignment in --state: the copies are not 'lost' on the way out", async () => {
  const state = join(tmpDir(), "zeus-state.json");
  const z = await startZeus({ extra: ["--state", state] });
  const spec = `zeus:127.0.0.1:${z.port}`;
  await startEmperor("e1", spec);
  await startEmperor("e2", spec);
  writeVassals(z.dir, { "a.toml": sleeper(), "b.toml": sleeper(), "pair.toml": sleeper("nodes = 2\n") });
  await allRunning(z, 3);
  process.kill(z.proc.pid, "SIGTERM");
  expect(await z.proc.exited).toBe(0);
  const saved = JSON.parse(readFileSync(state, "utf8")) as { vassals: { name: string; assignments: unknown[] }[] };
  expect(saved.vassals.map((v) => [v.name, v.assignments.length])).toEqual([
    ["a.toml", 1],
    ["b.toml", 1],
    ["pair.toml", 2],
  ]);
  expect(z.proc.stderr()).not.toContain("lost");
}, 60_000);
