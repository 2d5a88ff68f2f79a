// A drain survives `zeus --restore`: zeus is killed (-9) while an emperor drains, and the
// zeus started again from the same state file keeps draining it, places nothing new there,
// and finishes moving its vassals, each vassal ending with exactly the copies it asks for.
import { afterAll, afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { bin, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { copies, sleeper, startCluster, startZeus, stopAll, writeVassals, type ZeusProc } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

const drainOf = async (z: ZeusProc, node: string) => (await z.status())?.emperors.find((e) => e.node === node)?.drain;

test("drain then kill -9 of zeus mid-drain: the restored zeus keeps the emperor draining and finishes the move; then forget", async () => {
  const state = join(tmpDir(), "zeus-state.json");
  const { z, spec, emperors } = await startCluster(3, ["--state", state]);
  // Each replacement must run for 6 s before the old copy goes: the drain lasts long enough to be cut.
  const files: Record<string, string> = {};
  for (let i = 0; i < 6; i++) files[`v${i}.toml`] = sleeper("[vassal.update]\nmin_healthy = 6\n");
  writeVassals(z.dir, files);
  const placed = await waitFor(
    async () => {
      const s = await z.status();
      return s && s.vassals.length === 6 && s.vassals.every((v) => v.state === "running") ? s : undefined;
    },
    20_000,
    "six running vassals",
  );
  const onE1 = placed.vassals.filter((v) => v.emperors.some((c) => c.node === "e1")).map((v) => v.name);
  expect(onE1.length).toBeGreaterThan(0);

  const drained = await run(bin("zeus"), ["drain", "e1", "--zeus", `127.0.0.1:${z.port}`]);
  expect(drained.code).toBe(0);
  // Mid-drain: a copy on e1 is moving and its replacement elsewhere exists, but has not yet
  // run the 6 s min_healthy that lets the old copy go.
  const cut = await waitFor(
    async () => {
      const s = await z.status();
      const v = s?.vassals.find((v) => v.emperors.some((c) => c.node === "e1" && c.state === "moving") && v.emperors.length === 2);
      return v && s ? { s, v } : undefined;
    },
    15_000,
    "a copy moving off e1 with its replacement placed",
  );
  process.kill(z.proc.pid, "SIGKILL");
  await z.proc.exited;
  const moving = cut.v.name;
  const oldPid = cut.v.emperors.find((c) => c.node === "e1")!.pid;
  const leftOnE1 = cut.s.vassals.filter((v) => v.emperors.some((c) => c.node === "e1")).length;

  // From now on the moving vassal must always run somewhere: its old copy stays until the new one has run.
  let gaps = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const seen = await Promise.all(emperors.map((e) => e.status()));
      // A /status missed on a loaded machine says nothing either way.
      if (seen.every(Boolean) && !seen.some((s) => s!.vassals.some((x) => x.name === moving && x.state === "running"))) gaps++;
      // The sampling interval of the watch over the copies (it counts gaps), not a wait for a condition.
      await Bun.sleep(50);
    }
  })();
  const z2 = await startZeus({ dir: z.dir, port: z.port, extra: ["--state", state, "--restore"] });
  if (process.env.FLEET_DEBUG) afterEach(() => console.log(z.proc.stderr(), "\n=== z2\n", z2.proc.stderr()));
  // The restored zeus knows the drain from the start (it may even have finished it already).
  expect(["draining", "drained"]).toContain((await drainOf(z2, "e1"))!);
  await waitFor(async () => (await drainOf(z2, "e1")) === "drained", 60_000, "e1 drained after the restore");
  await waitFor(async () => (await emperors[0]!.status())?.vassals.length === 0, 15_000, "e1 runs nothing");
  // Every vassal ends with one copy, running, none on e1, as its emperors themselves say.
  const end = await waitFor(
    async () => {
      const s = await z2.status();
      const c = await copies(emperors);
      const ok = s?.vassals.every((v) => v.state === "running" && v.emperors.length === 1) && [...c.values()].every((w) => w.length === 1);
      return ok && c.size === 6 ? c : undefined;
    },
    30_000,
    "six vassals, one copy each",
  );
  sampling = false;
  await sampler;
  for (const [, where] of end) expect(where[0]![0]).not.toBe("e1");
  expect(gaps).toBe(0);
  // Every copy e1 still held was moved by the restored zeus (replaced, not dropped as an extra).
  expect((await z2.status())!.counters.moved).toBe(leftOnE1);
  expect(end.get(moving)![0]![1]).not.toBe(oldPid);

  // Still drained: a vassal wanting three copies gets two, on e2 and e3.
  writeVassals(z.dir, { "trio.toml": sleeper("nodes = 3\n") });
  const trio = await waitFor(
    async () => {
      const v = (await z2.status())?.vassals.find((x) => x.name === "trio.toml");
      return v?.state === "partial" && v.emperors.length === 2 && v.emperors.every((c) => c.state === "running") ? v : undefined;
    },
    15_000,
    "trio partial",
  );
  expect(trio.emperors.map((c) => c.node).sort()).toEqual(["e2", "e3"]);
  const table = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z2.statsPort}`]);
  expect(table.stdout).toMatch(/^e1\s+yes \(drained\)/m);

  // Maintenance: the drained emperor is stopped, then forgotten; an alive one cannot be.
  const refused = await run(bin("zeus"), ["forget", "e2", "--zeus", `127.0.0.1:${z2.port}`]);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain("emperor e2 is alive");
  process.kill(emperors[0]!.proc.pid, "SIGTERM");
  await emperors[0]!.proc.exited;
  await waitFor(async () => (await z2.status())?.emperors.find((e) => e.node === "e1")?.alive === false, 15_000, "e1 gone");
  const forgot = await run(bin("zeus"), ["forget", "e1", "--zeus", `127.0.0.1:${z2.port}`]);
  expect(forgot.code).toBe(0);
  expect(forgot.stdout).toContain("forgot e1");
  expect((await z2.status())!.emperors.map((e) => e.node).sort()).toEqual(["e2", "e3"]);
}, 120_000);
