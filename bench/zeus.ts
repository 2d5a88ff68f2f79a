/**
 * zeus benchmark (prints figures, passes or fails nothing): 1000 plain vassals over five
 * emperors, time until all run; failover time after kill -9 of an emperor; file change to
 * reload. Real binaries from dist/, on loopback.
 *
 * @module
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ZeusStatus } from "../lib/zeus/zeus_status.ts";
import { bin, killAll, removeTmpDirs, start, tmpDir, waitFor } from "../tests/helpers/procs.ts";
import { emperorsReady, startZeus } from "../tests/e2e/_zeus.ts";

const VASSALS = 1000;
const EMPERORS = 5;
const sleeper = (extra = "") => `[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nstop_timeout = 2\n${extra}`;

async function main(): Promise<void> {
  const z = await startZeus({ dir: tmpDir("zeus-bench-") });
  const { dir, port, status, proc: zeus } = z;
  const emperors: ReturnType<typeof start>[] = [];
  try {
    await run(dir, port, status, emperors);
  } finally {
    // Emperors first, by SIGTERM, so they stop their vassals; then whatever is left.
    for (const e of emperors) {
      try {
        process.kill(e.pid, "SIGCONT");
        process.kill(e.pid, "SIGTERM");
      } catch {
        // already gone (the one killed on purpose)
      }
    }
    await Promise.race([Promise.all(emperors.map((e) => e.exited)), Bun.sleep(10_000)]);
    process.kill(zeus.pid, "SIGTERM");
    await killAll();
    removeTmpDirs();
  }
}

async function run(
  dir: string,
  port: number,
  status: () => Promise<ZeusStatus | undefined>,
  emperors: ReturnType<typeof start>[],
): Promise<void> {
  const running = async () => (await status())?.vassals.filter((v) => v.state === "running").length ?? 0;
  for (let i = 1; i <= EMPERORS; i++) {
    const args = ["--emperor", `zeus:127.0.0.1:${port}`, "--node", `e${i}`, "--state-dir", tmpDir(`bench-e${i}-`)];
    emperors.push(start(bin("emperor"), [...args, "--max-vassals", String(VASSALS), "--heartbeat", "0.5", "--log-level", "warning"]));
  }
  await emperorsReady({ status }, EMPERORS, 20_000);

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

  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const added: number[] = [];
  const removed: number[] = [];
  for (let i = 0; i < 5; i++) {
    const name = `extra${i}.toml`;
    const vassal = async () => (await status())?.vassals.find((v) => v.name === name);
    t0 = performance.now();
    writeFileSync(join(dir, name), sleeper());
    await waitFor(async () => (await vassal())?.state === "running", 30_000, "new vassal running");
    added.push(performance.now() - t0);
    const destroyed = (await status())!.counters.destroyed;
    t0 = performance.now();
    rmSync(join(dir, name));
    await waitFor(async () => (await status())!.counters.destroyed > destroyed, 30_000, "vassal destroyed");
    removed.push(performance.now() - t0);
  }
  console.log(
    `new file to running: median ${median(added).toFixed(0)} ms; removed file to destroyed (process reaped): median ${median(removed).toFixed(0)} ms`,
  );
  console.log("(2 shared cores, other suites running: figures are noisy)");
}

await main();
