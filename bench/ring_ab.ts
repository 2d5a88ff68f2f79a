/**
 * Builds of zog side by side (`bun run bench/ring_ab.ts`): a five-node ring per build (or
 * one ring per build and size of BENCH_SIZES), each warmed the same, then alternating runs
 * at window 64 and at window 1. Besides msg/s, ack p50/p99 and CPU per message (and per
 * stored copy: per message and node), it prints where the CPU went (per thread name of the
 * nodes, from /proc/PID/task) and how idle the machine was meanwhile (and how much of that
 * was iowait): whether the ring waited for the disk or worked. Prints figures; it does not
 * pass or fail.
 *
 * BUILDS: comma-separated executables, each named `zog` (the executable picks its program by
 * its name; a wrapper script that sets an environment variable and `exec -a zog`s a build
 * will do), default dist/zog. BENCH_FSYNC (default batch), BENCH_WARM (default 30 000),
 * BENCH_N (default 20 000), BENCH_SIZES (nodes per ring, comma-separated, default 5: `5,9`
 * compares a five- and a nine-node ring of each build), BENCH_REPS (default 3), BENCH_LATENCY_N (window 1, default
 * 3 000; 0 skips it), BENCH_QUIET_S (default 25; 0 skips it): then each node's RSS once the
 * rings have been quiet that long, and its mean and highest over the next BENCH_QUIET_WINDOW_S
 * (default 30, read every 0.5 s). TLS=1: the rings run `[tls]` with client certificates
 * required (as bench/ring.ts does). BENCH_SPREADS (default "turn"): RingClient's `spread`s,
 * comma-separated ("turn,message"), each run against every ring in turn.
 */
import { loadavg } from "node:os";
import { basename, dirname } from "node:path";
import { bin, killAll, removeTmpDirs } from "../tests/helpers/procs.ts";
import type { Sample } from "./ring_lib/load.ts";
import { machineTicks, rssParts, threadCpuMs, writeCalls } from "./ring_lib/procfs.ts";
import { ZogRing } from "./ring_lib/zog_ring.ts";

const builds = (process.env.BUILDS ?? bin("zog")).split(",").filter(Boolean);
const fsync = process.env.BENCH_FSYNC ?? "batch";
const warm = Number(process.env.BENCH_WARM ?? 30_000);
const n = Number(process.env.BENCH_N ?? 20_000);
const reps = Number(process.env.BENCH_REPS ?? 3);
const latencyN = Number(process.env.BENCH_LATENCY_N ?? 3000);
const quietS = Number(process.env.BENCH_QUIET_S ?? 25);
const quietWindowS = Number(process.env.BENCH_QUIET_WINDOW_S ?? 30);
/** How often each node's RSS is read over the quiet stretch. */
const QUIET_SAMPLE_MS = 500;
const tls = process.env.TLS === "1";
const sizes = (process.env.BENCH_SIZES ?? "5").split(",").filter(Boolean).map(Number);
const spreads = (process.env.BENCH_SPREADS ?? "turn").split(",").filter(Boolean) as ("turn" | "message")[];
/** A run's name: the ring's, and the client's spread when more than one is compared. */
const runName = (ring: string, spread: string) => (spreads.length > 1 ? `${ring} spread=${spread}` : ring);

const load = () =>
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`;

/** A build's name in the output: its folder (builds are all called zog). */
const label = (path: string) => basename(dirname(path));

/** One run at window 64, with the CPU of each thread name and the machine's idle share. */
async function measured(ring: ZogRing, size: number, spread: "turn" | "message"): Promise<string> {
  const threads0 = threadCpuMs(ring.pids);
  const m0 = machineTicks();
  const w0 = writeCalls(ring.pids);
  const s: Sample = await ring.viaClient(n, 64, "local", spread);
  const threads1 = threadCpuMs(ring.pids);
  const m1 = machineTicks();
  // A commit writes the journal and access.log once each: about two per commit and node.
  const writes = (writeCalls(ring.pids) - w0) / size / n;
  const perMsg = (ms: number) => ((ms * 1000) / n).toFixed(1);
  const parts: string[] = [];
  for (const [name, t] of threads1) {
    const before = threads0.get(name) ?? { user: 0, system: 0 };
    const user = t.user - before.user;
    const system = t.system - before.system;
    if ((user + system) * 1000 >= 0.5 * n) parts.push(`${name} ${perMsg(user)}+${perMsg(system)}`);
  }
  const share = (ticks: number) => ((100 * ticks) / (m1.total - m0.total)).toFixed(0);
  return (
    `${s.ackRate.toFixed(0)} msg/s, ${s.cpuUs.toFixed(1)} µs/msg (${(s.cpuUs / size).toFixed(1)} per copy), p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} ms; ` +
    `${writes.toFixed(3)} file writes per message and node; idle ${share(m1.idle - m0.idle)} % (iowait ${share(m1.iowait - m0.iowait)} %); µs/msg user+system: ${parts.join(", ")}; ${load()}`
  );
}

console.log(
  `ring_ab: ${builds.length} builds, rings of ${sizes.join(", ")} nodes${tls ? ", mutual TLS" : ""}, fsync=${fsync}, ${warm} messages of warm-up, runs of ${n} (${load()})`,
);
const rings: { name: string; ring: ZogRing; size: number }[] = [];
try {
  for (const path of builds) {
    for (const size of sizes) {
      const ring = await ZogRing.start(`127.4.${50 + rings.length}`, size, fsync, path, { tls });
      rings.push({ name: sizes.length > 1 ? `${label(path)} ${size} nodes` : label(path), ring, size });
      await ring.viaClient(warm, 64);
    }
  }
  for (let rep = 0; rep < reps; rep++)
    for (const r of rings) for (const sp of spreads) console.log(`${runName(r.name, sp)}: ${await measured(r.ring, r.size, sp)}`);
  for (let rep = 0; latencyN > 0 && rep < reps; rep++) {
    for (const r of rings) {
      for (const sp of spreads) {
        const s = await r.ring.viaClient(latencyN, 1, "local", sp);
        console.log(
          `${runName(r.name, sp)} window 1: p50 ${s.p50.toFixed(3)} p99 ${s.p99.toFixed(3)} ms, ${s.cpuUs.toFixed(1)} µs/msg; ${load()}`,
        );
      }
    }
  }
  if (quietS > 0) {
    // A fixed wait: being quiet this long is what is measured.
    await Bun.sleep(quietS * 1000);
    for (const r of rings) {
      const parts = r.ring.pids.map((p) => rssParts(p));
      const list = (k: "rss" | "anon") => parts.map((x) => x[k].toFixed(1)).join(", ");
      console.log(`${r.name} RSS ${quietS} s quiet: ${list("rss")} MiB (its own, RssAnon: ${list("anon")}); ${load()}`);
    }
    // One sample falls before or after a drop of the executable's pages (up to 8 MiB apart): the mean over a stretch does not.
    const sums = rings.map((r) => r.ring.pids.map(() => ({ total: 0, max: 0 })));
    const samples = (quietWindowS * 1000) / QUIET_SAMPLE_MS;
    for (let k = 0; k < samples; k++) {
      rings.forEach((r, i) =>
        r.ring.pids.forEach((p, j) => {
          const mib = rssParts(p).rss;
          sums[i]![j]!.total += mib;
          sums[i]![j]!.max = Math.max(sums[i]![j]!.max, mib);
        }),
      );
      // Sampling over the stretch is what is measured.
      await Bun.sleep(QUIET_SAMPLE_MS);
    }
    rings.forEach((r, i) => {
      const mean = sums[i]!.map((x) => (x.total / samples).toFixed(1)).join(", ");
      const max = sums[i]!.map((x) => x.max.toFixed(1)).join(", ");
      console.log(
        `${r.name} RSS from ${quietS} to ${quietS + quietWindowS} s quiet, mean of each node: ${mean} MiB (max ${max}); ${load()}`,
      );
    });
  }
} finally {
  for (const r of rings) await r.ring.stop();
  await killAll();
  removeTmpDirs();
}
process.exit(0);
