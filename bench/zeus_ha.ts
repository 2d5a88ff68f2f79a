/**
 * Several-zeus benchmark (prints figures, passes or fails nothing): with 3 zeus on one etcd
 * prefix (--dead-after 2), the time from kill -9 of the leader to a new leader and to its
 * first placement (a vassal file written at the kill); and the cost of the etcd state
 * beside the file state when one zeus places 1000 vassals on 2 emperors. Real binaries
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

async function place1000(state: string[]): Promise<number> {
  const z = await startZeus({ extra: [...state, "--log-level", "warning"] });
  const spec = `zeus:127.0.0.1:${z.port}`;
  await startEmperor("e1", spec, ["--max-vassals", "1000", "--log-level", "warning"]);
  await startEmperor("e2", spec, ["--max-vassals", "1000", "--log-level", "warning"]);
  await emperorsReady(z, 2, 20_000);
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) writeFileSync(join(z.dir, `v${String(i).padStart(4, "0")}.toml`), sleeper());
  await waitFor(async () => (await z.status())?.vassals.filter((v) => v.state === "running").length === 1000, 300_000, "1000 running");
  const ms = performance.now() - t0;
  await stopAll();
  return ms;
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

    const file = await place1000(["--state", join(tmpDir("ha-bench-state-"), "state.json")]);
    const etcd = await startEtcd();
    const inEtcd = await place1000(["--state", `etcd://${etcd.endpoint}/place`]);
    console.log(
      `1000 vassals on 2 emperors, all running after: --state FILE ${(file / 1000).toFixed(2)} s, --state etcd:// ${(inEtcd / 1000).toFixed(2)} s`,
    );
    console.log("(2 shared cores, other suites running: figures are noisy)");
  } finally {
    await stopAll();
    removeTmpDirs();
  }
}

await main();
