/**
 * Ring benchmark (`make bench`): a five-node zog ring beside a five-server nats-server
 * cluster on loopback, under the same load (64-byte messages, W in flight, round robin over
 * the five). Prints figures; it does not pass or fail.
 *
 * - zog at each fsync policy, through RingClient and through `dist/sprog -i 0 --window W -r`,
 *   and at "batch" with `ack = "quorum"` (ok once a majority holds the message durably);
 *   JetStream R5 and R3 (file storage, acknowledged publishes), each driven both ways: through
 *   the one connection to the stream's leader (how most JetStream clients publish) and round
 *   robin over the five servers (four of five publishes then hop to the leader); core NATS
 *   (one subscriber on each server). Acked msg/s, time until every copy is stored, ack
 *   p50/p99, CPU of the five servers per message: min/median/max of alternating repetitions,
 *   ratios to JetStream R5 at its best (per run, the faster of its two patterns, and the
 *   lower CPU).
 * - Latency at window 1, zog ("batch") and JetStream R5 through the leader's connection.
 * - Rings of 3, 5 and 9 nodes at "batch".
 * - Start-up: exec to listening for zog, `--version` of each program; idle RSS of a node
 *   alone over its first minute and its wake-ups per second (a nats-server alone beside it),
 *   and of the five-node rings just started.
 *
 * Every system first carries a warm-up load (BENCH_WARM messages, default 100 000): the
 * figures are a long-running server's. JavaScriptCore was still compiling 60 000 messages
 * into a node's life (its JIT thread took 8-30 µs of a ring's CPU per message until then,
 * 0-3 µs after 100 000); nats-server's store and Go's heap reach their size the same way.
 *
 * BENCH_QUICK=1 runs a smaller load (a few minutes in all). BENCH_N (messages),
 * BENCH_WINDOW (in flight, default 64), BENCH_REPS (default 3), BENCH_WARM and BENCH_FSYNC
 * (policies, default "batch,always,never") override. TLS=1 runs everything over mutual TLS,
 * as a ring across machines runs: zog's `[tls]` with client certificates required (between
 * nodes and from the clients), nats-server with verified TLS on its client port and routes.
 */
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { bin, killAll, removeTmpDirs } from "../tests/helpers/procs.ts";
import { type Sample } from "./ring_lib/load.ts";
import { NATS_SERVER, NatsCluster } from "./ring_lib/nats_cluster.ts";
import { rssMiB, wakeupsPerSecond } from "./ring_lib/procfs.ts";
import { type GroupStretch, groupStretch, median, natsAlone, versionMs, zogStartup } from "./ring_lib/startup.ts";
import { bestOf, printSeries, printTable, type Series } from "./ring_lib/table.ts";
import { benchContent, ZogRing } from "./ring_lib/zog_ring.ts";

const quick = process.env.BENCH_QUICK === "1";
const n = Number(process.env.BENCH_N ?? (quick ? 5000 : 20_000));
const window = Number(process.env.BENCH_WINDOW ?? 64);
const reps = Number(process.env.BENCH_REPS ?? 3);
const warm = Number(process.env.BENCH_WARM ?? 100_000);
const policies = (process.env.BENCH_FSYNC ?? "batch,always,never").split(",").filter(Boolean);
const latencyN = quick ? 1000 : 5000;
const scaleN = quick ? 3000 : 20_000;
const payload = Buffer.from(`0${benchContent(0)}\r\n`);
const withNats = existsSync(NATS_SERVER);
const tls = process.env.TLS === "1";
/**
 * "Once quiet" after the load (s after its last message): every reading of each node's RSS
 * every 0.25 s, as means (median of the nodes) and the highest of any node. The bench
 * itself does nothing to the nodes meanwhile.
 */
const QUIET_STRETCHES: [number, number][] = [
  [10, 40],
  [40, 70],
];
/** The machine's load average (1, 5, 15 min) now: the figures beside it depend on it. */
const load = () =>
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`;

interface System {
  series: Series;
  run: (n: number, window: number) => Promise<Sample>;
  /** A second figure of the same runs, printed after `series`. */
  also?: Series;
}

async function alternate(systems: System[], count: number, w: number, times: number): Promise<void> {
  for (let rep = 0; rep < times; rep++) {
    for (const s of systems) {
      s.series.samples.push(await s.run(count, w));
      process.stdout.write(".");
    }
  }
  process.stdout.write("\n");
}

console.log(
  `ring: ${n} messages of 64 bytes, ${window} in flight, round robin over 5 nodes/servers on loopback; ${reps} alternating repetitions; at the start ${load()}`,
);
console.log(
  "  all stored = until every copy is stored (zog: all five access.logs; JetStream: all five replicas' blocks; core NATS: all five subscribers)",
);
if (tls) console.log("  mutual TLS everywhere: zog [tls] with client certificates; nats-server TLS (verify) on clients and routes");
console.log("  CPU = user + system time of the five server processes (each thread's /proc schedstat) per message");
console.log(`  each system first carries ${warm} messages of warm-up (a long-running server: JIT and caches settled)`);
if (!withNats) console.log(`  ${NATS_SERVER} is NOT installed (apt-get install nats-server): no JetStream/NATS comparison, no ratios`);
try {
  const systems: System[] = [];
  const rings = new Map<string, ZogRing>();
  let nats: NatsCluster | undefined;
  let idle = "";
  let afterLoad = "";
  if (withNats) {
    nats = await NatsCluster.start("127.4.20", 5, { tls });
    idle += `nats-server ${median(nats.pids.map(rssMiB)).toFixed(1)} MiB, ${(await wakeupsPerSecond(nats.pids, 5000)).toFixed(1)} wake-ups/s`;
    await nats.warm(warm, payload);
    const c = nats;
    for (const replicas of c.replicaCounts) {
      for (const [pattern, how] of [
        ["one", "the leader's connection"],
        ["rr", "round robin"],
      ] as const) {
        systems.push({
          series: { system: `nats JetStream R${replicas} (file, acked), ${how}`, samples: [] },
          run: (k, w) => c.jetstream(k, w, payload, replicas, pattern),
        });
      }
    }
    systems.push({ series: { system: "nats core (5 subscribers)", samples: [] }, run: (k, w) => c.core(k, w, payload) });
  }
  for (const [i, fsync] of policies.entries()) {
    const ring = await ZogRing.start(`127.4.${i}`, 5, fsync, undefined, { tls });
    if (i === 0) {
      await Bun.sleep(3000); // past the 2 s after which a node drops its start-up pages
      idle += `${idle ? "; " : ""}zog ${median(ring.pids.map(rssMiB)).toFixed(1)} MiB, ${(await wakeupsPerSecond(ring.pids, 5000)).toFixed(1)} wake-ups/s`;
    }
    rings.set(fsync, ring);
    await ring.viaClient(warm, window);
    systems.push({ series: { system: `zog fsync=${fsync} RingClient`, samples: [] }, run: (k, w) => ring.viaClient(k, w) });
    // Timed as RingClient and the NATS clients are (sending, connecting included), and from exec to exit.
    const whole: Series = { system: `zog fsync=${fsync} sprog, exec to exit`, samples: [] };
    systems.push({
      series: { system: `zog fsync=${fsync} sprog`, samples: [] },
      also: whole,
      run: async (k, w) => {
        const s = await ring.viaSprog(k, w);
        whole.samples.push(s.process);
        return s.sending;
      },
    });
    if (fsync === "batch") {
      // ok once a majority holds it durably: JetStream R5's acknowledgement, with fsync.
      systems.push({
        series: { system: `zog fsync=batch ack=quorum RingClient`, samples: [] },
        run: (k, w) => ring.viaClient(k, w, "quorum"),
      });
    }
  }
  await alternate(systems, n, window, reps);
  const anchor = nats ? bestOf("nats JetStream R5 at its best (per run)", systems[0]!.series, systems[1]!.series) : undefined;
  printSeries(
    `window ${window} (2 shared cores: figures are noisy; ${load()}); x JS = against JetStream R5 at its best`,
    [...(anchor ? [anchor] : []), ...systems.flatMap((s) => (s.also ? [s.series, s.also] : [s.series]))],
    anchor,
  );
  // Before the memory's quiet wait: a node quiet for a minute drops its compiled code.
  const lat: System[] = [];
  if (nats)
    lat.push({
      series: { system: "nats JetStream R5, the leader's connection", samples: [] },
      run: (k, w) => nats!.jetstream(k, w, payload, 5, "one"),
    });
  const batchRing = rings.get("batch");
  if (batchRing) lat.push({ series: { system: "zog fsync=batch RingClient", samples: [] }, run: (k, w) => batchRing.viaClient(k, w) });
  await alternate(lat, latencyN, 1, 1);
  printSeries(
    `window 1, ${latencyN} messages (${load()})`,
    lat.map((s) => s.series),
    nats ? lat[0]!.series : undefined,
  );

  const loaded = [...rings.values()][0];
  const rss = () =>
    `zog ${median(loaded!.pids.map(rssMiB)).toFixed(1)} MiB${nats ? `, nats-server ${median(nats.pids.map(rssMiB)).toFixed(1)} MiB` : ""}`;
  if (loaded) {
    afterLoad = rss();
    // Once quiet: every reading from QUIET_STRETCHES' start (a node finds the load over 2-4 s after its last
    // message and gives memory back; still quiet about a minute later it also lets go of its compiled code).
    const t0 = performance.now();
    for (const [from, to] of QUIET_STRETCHES) {
      const [z, s] = await Promise.all([groupStretch(loaded.pids, t0, from, to), nats ? groupStretch(nats.pids, t0, from, to) : undefined]);
      const line = (g: GroupStretch) => `${g.mean.toFixed(1)} MiB (its own ${g.anon.toFixed(1)}; highest ${g.maxRss.toFixed(1)})`;
      afterLoad += `; from ${from} to ${to} s after it zog ${line(z)}${s ? `, nats-server ${line(s)}` : ""}`;
    }
  }

  await nats?.stop();
  for (const r of rings.values()) await r.stop();

  const scale: System[] = [];
  for (const [i, size] of [3, 5, 9].entries()) {
    const ring = await ZogRing.start(`127.4.${30 + i}`, size, "batch", undefined, { tls });
    await ring.viaClient(Math.ceil(warm / 2), window);
    scale.push({ series: { system: `zog ${size} nodes, fsync=batch`, samples: [] }, run: (k, w) => ring.viaClient(k, w) });
  }
  await alternate(scale, scaleN, window, quick ? 1 : reps);
  printSeries(
    `ring sizes, ${scaleN} messages, window ${window} (RingClient; ${load()})`,
    scale.map((s) => s.series),
    undefined,
  );
  await killAll();

  const runs = quick ? 5 : 10;
  const start = await zogStartup("127.4.40", runs);
  const rows = [["program", "ms (median of " + runs + ")", "min", "max"]];
  const row = (name: string, ms: number[]) =>
    rows.push([name, median(ms).toFixed(1), Math.min(...ms).toFixed(1), Math.max(...ms).toFixed(1)]);
  row("zog: exec to listening", start.ms);
  for (const p of ["zog", "sprog", "zeus", "emperor"] as const) row(`${p} --version`, await versionMs(bin(p), runs));
  if (withNats) row("nats-server --version", await versionMs(NATS_SERVER, runs));
  const alone = start.idle
    .map(
      (w) =>
        `from ${w.from} to ${w.to} s ${w.mean.rss.toFixed(1)} MiB (its own ${w.mean.anon.toFixed(1)}, pages of the executable ` +
        `${w.mean.file.toFixed(1)}; highest ${w.maxRss.toFixed(1)}), ${w.wakeupsPerSecond.toFixed(1)} wake-ups/s`,
    )
    .join("; ");
  const natsIdle = withNats ? await natsAlone(NATS_SERVER, "127.4.41.1") : undefined;
  const natsLine = natsIdle ? `; nats-server alone ${natsIdle.perSecond.toFixed(1)} wake-ups/s, ${natsIdle.rss.rss.toFixed(1)} MiB` : "";
  printTable(
    `start-up; idle RSS: zog node alone (its peer absent), means of readings every 0.25 s: ${alone}${natsLine}; ` +
      `in the five-node rings (medians per process, 5 s) just started ${idle}; right after the load above ${afterLoad}`,
    rows,
  );
} finally {
  await killAll();
  removeTmpDirs();
}
process.exit(0);
