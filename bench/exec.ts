/**
 * zeus exec benchmark (prints figures, passes or fails nothing): the round trip of a
 * trivial `zeus exec` (a new client process each time, as an operator runs it), the
 * throughput of a command's output through emperor -> zeus -> client, with pipes and with
 * a terminal, and the peak memory of zeus and the emperor meanwhile (flow control keeps
 * it flat). Real binaries from dist/, on loopback.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { bin, removeTmpDirs, run, tmpDir } from "../tests/helpers/procs.ts";
import { allRunning, sleeper, startEmperor, startZeus, stopAll, writeVassals } from "../tests/e2e/_zeus.ts";

const ROUND_TRIPS = 30;
const BYTES = 200 * 1024 * 1024;

const peakKiB = (pid: number): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

/** Seconds to move BYTES of a command's output to a client that discards them. */
function throughput(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(args[0]!, args.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    let got = 0;
    child.stdout.on("data", (d: Buffer) => (got += d.byteLength));
    child.on("exit", (code) =>
      code === 0 && got >= BYTES ? resolve((performance.now() - t0) / 1000) : reject(new Error(`exit ${code} after ${got} bytes`)),
    );
  });
}

async function main(): Promise<void> {
  const z = await startZeus({ dir: tmpDir("exec-bench-") });
  try {
    writeVassals(z.dir, { "app.toml": sleeper() });
    const e = await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
    await allRunning(z, 1);
    const zeus = ["--zeus", `127.0.0.1:${z.port}`];

    const times: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const t0 = performance.now();
      const r = await run(bin("zeus"), ["exec", ...zeus, "app.toml", "--", "true"]);
      if (r.code !== 0) throw new Error(`zeus exec failed: ${r.stderr}`);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const ms = (q: number) => times[Math.floor(q * (times.length - 1))]!.toFixed(1);
    console.log(
      `zeus exec app.toml -- true, ${ROUND_TRIPS} runs: median ${ms(0.5)} ms, p90 ${ms(0.9)} ms (client start, TLS-less connect, spawn, exit)`,
    );

    const mb = BYTES / 1024 / 1024;
    const pipes = await throughput([bin("zeus"), "exec", ...zeus, "app.toml", "--", "head", "-c", String(BYTES), "/dev/zero"]);
    console.log(`output through pipes: ${mb} MiB in ${pipes.toFixed(2)} s = ${(mb / pipes).toFixed(0)} MiB/s`);
    if (!spawnSync("script", ["--version"]).error) {
      const cmd = `${bin("zeus")} exec -t ${zeus.join(" ")} app.toml -- head -c ${BYTES} /dev/zero`;
      const tty = await throughput(["script", "-qec", cmd, "/dev/null"]);
      console.log(`output through a terminal (-t, under script): ${mb} MiB in ${tty.toFixed(2)} s = ${(mb / tty).toFixed(0)} MiB/s`);
    }
    console.log(`peak memory: zeus ${(peakKiB(z.proc.pid) / 1024).toFixed(0)} MiB, emperor ${(peakKiB(e.proc.pid) / 1024).toFixed(0)} MiB`);
  } finally {
    await stopAll();
    removeTmpDirs();
  }
}

await main();
