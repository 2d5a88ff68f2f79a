/**
 * Several-zeus benchmark (prints figures, passes or fails nothing): with 3 zeus on one etcd
 * prefix (--dead-after 2), the time from kill -9 of the leader to a new leader and to its
 * first placement (a vassal file written at the kill); the cost of the etcd state beside
 * the file state when zeus places 1000 vassals on 2 emperors; and a takeover with those
 * 1000 running (bench/zeus_ha_state.ts measures the state's keys alone, up to 10000). Real binaries
 * from dist/ and a real etcd, on loopback. Skipped when etcd is not installed.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HaStatus } from "../lib/zeus/ha.ts";
import { etcdMissing, startEtcd } from "../tests/e2e/_etcd.ts";
import { copies, emperorsReady, sleeper, startEmperor, startZeus, stopAll, type ZeusProc } from "../tests/e2e/_zeus.ts";
import { removeTmpDirs, tmpDir, waitFor } from "../tests/helpers/procs.ts";

const role = async (z: ZeusProc) => ((await z.status()) as { ha?: HaStatus } | undefined)?.ha?.role;

async function takeover(round: number): Promise<[number, number]> {
  const etcd = await startEtcd();
  const dir = tmpDir("ha-bench-");
  for (let i = 0; i < 10; i++) writeFileSync(join(dir, `v${i}.toml`), sleeper());
  const state = ["--state", `etcd://${etcd.endpoint}/bench${round}`];
  const zeus = [await startZeus({ dir, extra: state }), await startZeus({ dir, extra: state }), await startZeus({ dir, extra: state })];
  const more = zeus.slice(1).flatMap((z) => ["--emperor", `zeus:127.0.0.1:${z.port}`]);
  const emperors = [
    await startEmperor("e1", `zeus:127.0.0.1:${zeus[0]!.port}`, more),
    await startEmperor("e2", `zeus:127.0.0.1:${zeus[0]!.port}`, more),
  ];
  const leader = await waitFor(
    async () => {
      for (const z of zeus) if ((await role(z)) === "leader" && (await copies(emperors)).size === 10) return z;
      return undefined;
    },
    30_000,
    "10 vassals running",
  );
  const t0 = performance.now();
  process.kill(leader.proc.pid, "SIGKILL");
  writeFileSync(join(dir, "new.toml"), sleeper());
  const rest = zeus.filter((z) => z !== leader);
  await waitFor(async () => (await Promise.all(rest.map(role))).includes("leader"), 20_000, "a new leader");
  const elected = performance.now() - t0;
  await waitFor(async () => (await copies(emperors)).get("new.toml")?.length === 1, 30_000, "new.toml running");
  const placed = performance.now() - t0;
  await stopAll();
  return [elected, placed];
}

async function place1000(state: string[], standby: boolean): Promise<string> {
  const dir = tmpDir("ha-bench-1000-");
  const flags = [...state, "--log-level", "warning"];
  const zeus = [await startZeus({ dir, extra: flags }), ...(standby ? [await startZeus({ dir, extra: flags })] : [])];
  const more = zeus.slice(1).flatMap((z) => ["--emperor", `zeus:127.0.0.1:${z.port}`]);
  const spec = `zeus:127.0.0.1:${zeus[0]!.port}`;
  const emperors = [
    await startEmperor("e1", spec, ["--max-vassals", "1000", "--log-level", "warning", ...more]),
    await startEmperor("e2", spec, ["--max-vassals", "1000", "--log-level", "warning", ...more]),
  ];
  const z = standby ? await waitFor(() => leaderOf(zeus), 20_000, "a leader") : zeus[0]!;
  await emperorsReady(z, 2, 20_000);
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) writeFileSync(join(dir, `v${String(i).padStart(4, "0")}.toml`), sleeper());
  await waitFor(async () => (await z.status())?.vassals.filter((v) => v.state === "running").length === 1000, 300_000, "1000 running");
  const placed = performance.now() - t0;
  let out = `${(placed / 1000).toFixed(2)} s`;
  if (standby) {
    const before = await copies(emperors);
    const t1 = performance.now();
    process.kill(z.proc.pid, "SIGKILL");
    writeFileSync(join(dir, "new.toml"), sleeper());
    await waitFor(() => leaderOf(zeus.filter((x) => x !== z)), 20_000, "a new leader");
    const elected = performance.now() - t1;
    await waitFor(async () => (await copies(emperors)).get("new.toml")?.length === 1, 60_000, "new.toml running");
    const first = performance.now() - t1;
    const after = await copies(emperors);
    const same = [...before].filter(([name, where]) => after.get(name)?.[0]?.[1] === where[0]?.[1]).length;
    out += `; kill -9 of the leader: new leader after ${(elected / 1000).toFixed(2)} s, first placement after ${(first / 1000).toFixed(2)} s, ${same} of ${before.size} vassals kept their pid`;
  }
  await stopAll();
  return out;
}

async function leaderOf(zeus: ZeusProc[]): Promise<ZeusProc | undefined> {
  for (const z of zeus) if ((await role(z)) === "leader") return z;
  return undefined;
}

async function main(): Promise<void> {
  const missing = etcdMissing();
  if (missing) return console.log(`bench/zeus_ha.ts: ${missing}`);
  try {
    const rounds: [number, number][] = [];
    for (let i = 0; i < 3; i++) rounds.push(await takeover(i));
    const fmt = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(", ");
    console.log(`kill -9 of the leader (3 zeus, TTL 2 s), 3 rounds: new leader after ${fmt(rounds.map((r) => r[0]))} s`);
    console.log(
      `  first placement by the new leader (settle: --dead-after + 2 s for emperors to report) after ${fmt(rounds.map((r) => r[1]))} s`,
    );

    const file = await place1000(["--state", join(tmpDir("ha-bench-state-"), "state.json")], false);
    console.log(`1000 vassals on 2 emperors, all running after: --state FILE ${file}`);
    const etcd = await startEtcd();
    const inEtcd = await place1000(["--state", `etcd://${etcd.endpoint}/place`], true);
    console.log(`1000 vassals on 2 emperors, 2 zeus, all running after: --state etcd:// ${inEtcd}`);
    console.log("(2 shared cores, other suites running: figures are noisy)");
  } finally {
    await stopAll();
    removeTmpDirs();
  }
}

await main();
