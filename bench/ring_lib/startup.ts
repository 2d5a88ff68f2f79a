/**
 * Start-up figures: exec to listening for a zog node, and exec to exit of `--version`.
 *
 * @module
 */
import { connect } from "node:net";
import { bin, freePort, tmpDir } from "../../tests/helpers/procs.ts";
import { writeRing } from "../../tests/helpers/ring_setup.ts";
import { contextSwitches, rssParts, wakeupsPerSecond } from "./procfs.ts";

function accepting(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port });
    s.once("connect", () => (s.destroy(), res(true)));
    s.once("error", () => res(false));
  });
}

/** The median of `xs`. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Resident memory in MiB: all of it, the process's own, the pages of files it maps. */
type Rss = ReturnType<typeof rssParts>;

/** A node alone, idle, over a stretch of its first minute: its mean resident memory, the highest, its wake-ups per second. */
export interface IdleStretch {
  from: number;
  to: number;
  mean: Rss;
  maxRss: number;
  wakeupsPerSecond: number;
}

/** The stretches (s after start) a node alone is measured over: its start-up's tail (its catch-up gives up at 10 s), then quiet. */
const IDLE_STRETCHES: [number, number][] = [
  [5, 15],
  [30, 60],
];

/** How often a node alone's RSS is read over a stretch: a single reading falls before or after a drop of its pages. */
const IDLE_SAMPLE_MS = 250;

/**
 * Milliseconds from spawning one node of a two-node ring (its peer absent) until its client
 * port accepts, `runs` times; the last run's node is then left idle for a minute: its
 * resident memory (mean and highest of readings every 250 ms) and wake-ups per second from
 * 5 to 15 s after start (past the 2 s after which a daemon drops its start-up pages) and
 * from 30 to 60 s.
 */
export async function zogStartup(prefix: string, runs: number): Promise<{ ms: number[]; idle: IdleStretch[] }> {
  const host = `${prefix}.11`;
  const peerPort = await freePort(host);
  const clientPort = await freePort(host);
  const ring = writeRing(tmpDir("ring-bench-start-"), prefix, { names: ["A", "B"], peerPort, clientPort, keepalive: 30 });
  const ms: number[] = [];
  const idle: IdleStretch[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    const p = Bun.spawn([bin("zog"), "--config", ring.config, "--node", "A", "--log-level", "error"], {
      stdio: ["ignore", "ignore", "ignore"],
    });
    try {
      for (let tries = 0; !(await accepting(host, clientPort)); tries++) {
        if (tries > 5000) throw new Error("zog did not start listening");
        await Bun.sleep(1);
      }
      ms.push(performance.now() - t);
      if (k === runs - 1) for (const [from, to] of IDLE_STRETCHES) idle.push(await idleStretch(p.pid, t, from, to));
    } finally {
      p.kill("SIGKILL");
      await p.exited;
    }
  }
  return { ms, idle };
}

/** Process `pid`, started at `t0` (performance.now()), measured from `from` to `to` s after its start. */
async function idleStretch(pid: number, t0: number, from: number, to: number): Promise<IdleStretch> {
  const at = () => (performance.now() - t0) / 1000;
  // Idle time is what is measured: wait for the stretch.
  await Bun.sleep(Math.max(0, (from - at()) * 1000));
  const switches = contextSwitches(pid);
  const sum = { rss: 0, anon: 0, file: 0 };
  let n = 0;
  let maxRss = 0;
  while (at() < to) {
    const r = rssParts(pid);
    for (const k of ["rss", "anon", "file"] as const) sum[k] += r[k];
    maxRss = Math.max(maxRss, r.rss);
    n++;
    // Readings at intervals over the stretch are what is measured.
    await Bun.sleep(IDLE_SAMPLE_MS);
  }
  let woke = 0;
  for (const [tid, now] of contextSwitches(pid)) woke += now - (switches.get(tid) ?? 0);
  const mean = { rss: sum.rss / n, anon: sum.anon / n, file: sum.file / n };
  return { from, to, mean, maxRss, wakeupsPerSecond: woke / (to - from) };
}

/**
 * A nats-server alone (JetStream on, nothing connected): its wake-ups per second over
 * `ms` once started, and its resident memory in MiB then.
 */
export async function natsAlone(server: string, host: string, ms = 10_000): Promise<{ perSecond: number; rss: Rss }> {
  const port = await freePort(host);
  const p = Bun.spawn([server, "-a", host, "-p", String(port), "-js", "-sd", tmpDir("ring-bench-nats-alone-")], {
    stdio: ["ignore", "ignore", "ignore"],
  });
  try {
    for (let tries = 0; !(await accepting(host, port)); tries++) {
      if (tries > 5000) throw new Error("nats-server did not start listening");
      await Bun.sleep(1);
    }
    const perSecond = await wakeupsPerSecond([p.pid], ms);
    return { perSecond, rss: rssParts(p.pid) };
  } finally {
    p.kill("SIGKILL");
    await p.exited;
  }
}

/** Milliseconds from spawning `cmd --version` to its exit, `runs` times. */
export async function versionMs(cmd: string, runs: number): Promise<number[]> {
  const ms: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    const p = Bun.spawn([cmd, "--version"], { stdio: ["ignore", "ignore", "ignore"] });
    await p.exited;
    ms.push(performance.now() - t);
  }
  return ms;
}

/** Readings of a group of processes over a stretch: the median of their mean RSS (all and their own), the highest reading of any. */
export interface GroupStretch {
  from: number;
  to: number;
  mean: number;
  anon: number;
  maxRss: number;
}

/**
 * The processes `pids`, `from` to `to` s after `t0` (performance.now()), their RSS read every
 * 0.25 s: what "once quiet" after a load means in bench/ring.ts (every reading, not one that
 * falls before or after a drop of the executable's pages).
 */
export async function groupStretch(pids: number[], t0: number, from: number, to: number): Promise<GroupStretch> {
  const at = () => (performance.now() - t0) / 1000;
  // Quiet time is what is measured: wait for the stretch.
  await Bun.sleep(Math.max(0, (from - at()) * 1000));
  const sums = pids.map(() => ({ rss: 0, anon: 0, n: 0 }));
  let maxRss = 0;
  while (at() < to) {
    pids.forEach((pid, i) => {
      const r = rssParts(pid);
      sums[i]!.rss += r.rss;
      sums[i]!.anon += r.anon;
      sums[i]!.n++;
      maxRss = Math.max(maxRss, r.rss);
    });
    // Readings at intervals over the stretch are what is measured.
    await Bun.sleep(IDLE_SAMPLE_MS);
  }
  return {
    from,
    to,
    mean: median(sums.map((s) => s.rss / s.n)),
    anon: median(sums.map((s) => s.anon / s.n)),
    maxRss,
  };
}
