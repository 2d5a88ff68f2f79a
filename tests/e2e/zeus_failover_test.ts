// Emperor failure: kill -9 and a frozen emperor; vassals move, and never run twice.
import { afterAll, afterEach, expect, test } from "bun:test";
import { removeTmpDirs, waitFor } from "../helpers/procs.ts";
import {
  alive,
  allRunning,
  copies,
  sleeper,
  startCluster,
  startEmperor,
  startZeus,
  stopAll,
  watchDuplicates,
  writeVassals,
} from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

async function cluster() {
  const { z, spec, emperors } = await startCluster(3);
  const files: Record<string, string> = {};
  for (let i = 0; i < 9; i++) files[`v${i}.toml`] = sleeper();
  writeVassals(z.dir, files);
  await allRunning(z, 9);
  return { z, spec, emperors };
}

test("kill -9 of an emperor: its vassals run elsewhere, once, before and after it returns", async () => {
  const { z, spec, emperors } = await cluster();
  const victim = emperors[0]!;
  const lost = [...(await copies(emperors))].filter(([, w]) => w[0]![0] === "e1").map(([n, w]) => [n, w[0]![1]] as const);
  expect(lost.length).toBe(3);
  let live = emperors.slice(1);
  const watch = watchDuplicates(() => live);

  process.kill(victim.proc.pid, "SIGKILL");
  await waitFor(
    async () => {
      const seen = await copies(live);
      return lost.every(([n]) => seen.get(n)?.length === 1);
    },
    10_000,
    "e1's vassals running on e2/e3",
  );
  await waitFor(() => lost.every(([, pid]) => !alive(pid)), 10_000, "e1's vassal processes gone with it");

  const back = await startEmperor("e1", spec, [], victim.stateDir);
  live = [back, ...emperors.slice(1)];
  await waitFor(async () => (await back.status())?.zeus.state === "connected", 10_000, "e1 back");
  // The watch over the copies keeps sampling after e1 is back: a duplicate would show up in it.
  await Bun.sleep(1000);
  await watch.stop();
  expect(watch.dups).toEqual([]);
  const seen = await copies(live);
  expect([...seen.values()].every((w) => w.length === 1)).toBe(true);
  expect(seen.size).toBe(9);
  expect((await z.status())!.counters.emperors_lost).toBe(1);
}, 60_000);

test("a frozen emperor is declared dead; when it thaws still running its vassals, the extras are destroyed", async () => {
  const { z, emperors } = await cluster();
  const frozen = emperors[0]!;
  const others = emperors.slice(1);
  const held = [...(await copies(emperors))].filter(([, w]) => w[0]![0] === "e1").map(([n]) => n);
  process.kill(frozen.proc.pid, "SIGSTOP");
  try {
    await waitFor(
      async () => {
        const seen = await copies(others);
        // Running at zeus too (not still starting there, which a thawed e1's running copy would beat).
        const s = await z.status();
        const running = (n: string) => s?.vassals.find((v) => v.name === n)?.emperors.some((c) => c.node !== "e1" && c.state === "running");
        return held.every((n) => seen.get(n)?.length === 1 && running(n));
      },
      10_000,
      "e1's vassals started on e2/e3",
    );
  } finally {
    process.kill(frozen.proc.pid, "SIGCONT");
  }
  await waitFor(async () => (await frozen.status())?.vassals.length === 0, 10_000, "e1's copies destroyed after it thawed");
  const seen = await copies(emperors);
  expect([...seen.values()].every((w) => w.length === 1)).toBe(true);
  expect(seen.size).toBe(9);
  expect((await z.status())!.counters.extras_destroyed).toBe(3);
}, 60_000);

test("a vassal that dies is restarted where it is; zeus shows its new pid and restart count", async () => {
  const z = await startZeus();
  await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
  writeVassals(z.dir, { "a.toml": sleeper() });
  const s = await allRunning(z, 1);
  const pid = s.vassals[0]!.emperors[0]!.pid;
  process.kill(pid, "SIGKILL");
  const after = await waitFor(
    async () => {
      const v = (await z.status())?.vassals[0];
      return v && v.state === "running" && v.emperors[0]!.pid !== pid ? v : undefined;
    },
    15_000,
    "the new pid at zeus",
  );
  expect(after.restarts).toBe(1);
  expect(after.emperors[0]!.node).toBe("e1");
  expect(alive(after.emperors[0]!.pid)).toBe(true);
}, 60_000);
