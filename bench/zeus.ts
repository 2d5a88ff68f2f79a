/**
 * zeus benchmark (prints figures, passes or fails nothing): 1000 plain vassals over five
 * emperors, time until all run; failover time after kill -9 of an emperor; file change to
 * reload. Real binaries from dist/, on loopback.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ZeusStatus } from "../lib/zeus/zeus_status.ts";
import { bin, freePort, killAll, removeTmpDirs, start, tmpDir, waitFor } from "../tests/helpers/procs.ts";

const VASSALS = 1000;
const EMPERORS = 5;
const sleeper = (extra = "") => `[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nstop_timeout = 2\n${extra}`;

async function main(): Promise<void> {
  const dir = tmpDir("zeus-bench-");
  const port = await freePort();
  const statsPort = await freePort();
  const zeus = start(bin("zeus"), [
    "--listen",
    `127.0.0.1:${port}`,
    "--vassals",
    dir,
    "--stats",
    `127.0.0.1:${statsPort}`,
    "--dead-after",
    "2",
  ]);
  const status = async (): Promise<ZeusStatus | undefined> => {
    try {
      return (await (await fetch(`http://127.0.0.1:${statsPort}/status`)).json()) as ZeusStatus;
    } catch {
      return undefined;
    }
  };
  const running = async () => (await status())?.vassals.filter((v) => v.state === "running").length ?? 0;
  await waitFor(status, 10_000, "zeus");
  const emperors = [];
  for (let i = 1; i <= EMPERORS; i++) {
    const args = ["--emperor", `zeus:127.0.0.1:${port}`, "--node", `e${i}`, "--state-dir", tmpDir(`bench-e${i}-`)];
    emperors.push(start(bin("emperor"), [...args, "--max-vassals", String(VASSALS), "--heartbeat", "0.5", "--log-level", "warning"]));
  }
  await waitFor(
    async () => {
      const s = await status();
      return s && !s.settling && s.emperors.filter((e) => e.alive).length === EMPERORS;
    },
    20_000,
    "emperors",
  );

  let t0 = performance.now();
  for (let i = 0; i < VASSALS; i++) writeFileSync(join(dir, `v${String(i).padStart(4, "0")}.toml`), sleeper());
  await waitFor(async () => (await running()) === VASSALS, 300_000, "all vassals running");
  const placeMs = performance.now() - t0;
  const spread = (await status())!.emperors.map((e) => e.assigned).join("/");
  console.log(`${VASSALS} plain vassals over ${EMPERORS} emperors: all running after ${(placeMs / 1000).toFixed(2)} s (${spread})`);

  t0 = performance.now();
  const victim = emperors[0]!;
  process.kill(victim.pid, "SIGKILL");
  await waitFor(async () => (await status())?.emperors.find((e) => e.node === "e1")?.alive === false, 30_000, "e1 dead");
  const deadMs = performance.now() - t0;
  await waitFor(async () => (await running()) === VASSALS, 300_000, "all vassals running again");
  const failMs = performance.now() - t0;
  console.log(
    `kill -9 of an emperor: seen dead after ${deadMs.toFixed(0)} ms, its vassals all running elsewhere after ${(failMs / 1000).toFixed(2)} s`,
  );

  const frozen = emperors[1]!;
  t0 = performance.now();
  process.kill(frozen.pid, "SIGSTOP");
  await waitFor(async () => (await status())?.emperors.find((e) => e.node === "e2")?.alive === false, 30_000, "e2 dead");
  const silentMs = performance.now() - t0;
  await waitFor(async () => (await running()) === VASSALS, 300_000, "all vassals running again");
  const movedMs = performance.now() - t0;
  t0 = performance.now();
  process.kill(frozen.pid, "SIGCONT");
  await waitFor(async () => (await status())?.counters.extras_destroyed ?? 0, 60_000, "extras destroyed");
  await waitFor(async () => (await status())?.emperors.find((e) => e.node === "e2")?.assigned === 0, 60_000, "e2 emptied");
  const thawMs = performance.now() - t0;
  console.log(
    `a frozen emperor (SIGSTOP, --dead-after 2): dead after ${(silentMs / 1000).toFixed(2)} s, its vassals all running elsewhere after ` +
      `${(movedMs / 1000).toFixed(2)} s; after SIGCONT its extra copies were destroyed within ${(thawMs / 1000).toFixed(2)} s`,
  );

  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const name = `v${String(500 + i).padStart(4, "0")}.toml`;
    const pidOf = async () => (await status())?.vassals.find((v) => v.name === name);
    const before = (await pidOf())!.emperors[0]!.pid;
    t0 = performance.now();
    writeFileSync(join(dir, name), sleeper(`# edit ${i}\n`));
    await waitFor(
      async () => {
        const v = await pidOf();
        return v && v.state === "running" && v.emperors[0]!.pid !== before;
      },
      30_000,
      "reloaded",
    );
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  console.log(
    `file edit to reloaded (new pid, zeus sees it running): median ${samples[2]!.toFixed(0)} ms, max ${samples[4]!.toFixed(0)} ms (5 samples)`,
  );
  console.log("(2 shared cores, other suites running: figures are noisy)");

  for (const e of emperors.slice(1)) process.kill(e.pid, "SIGTERM");
  await Promise.all(emperors.slice(1).map((e) => e.exited));
  process.kill(zeus.pid, "SIGTERM");
  await killAll();
  removeTmpDirs();
}

await main();
