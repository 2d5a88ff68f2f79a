/**
 * Start-up figures: exec to listening for a zog node, and exec to exit of `--version`.
 *
 * @module
 */
import { connect } from "node:net";
import { bin, freePort, tmpDir } from "../../tests/helpers/procs.ts";
import { writeRing } from "../../tests/helpers/ring_setup.ts";
import { rssParts, wakeupsPerSecond } from "./procfs.ts";

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

/** A node alone, idle: its resident memory at seconds after start, and its wake-ups per second over two stretches. */
export interface IdleFigures {
  rss: { at: number; rss: Rss }[];
  wakeups: { from: number; to: number; perSecond: number }[];
}

/** When a node alone is sampled (s after start), and the stretches its wake-ups are counted over. */
const IDLE_SAMPLES = [5, 15, 30, 60];
const WAKEUP_STRETCHES: [number, number][] = [
  [5, 15],
  [30, 60],
];

/**
 * Milliseconds from spawning one node of a two-node ring (its peer absent) until its client
 * port accepts, `runs` times; the last run's node is then left idle for a minute: its
 * resident memory at 5, 15, 30 and 60 s after start (past the 2 s after which a daemon
 * drops its start-up pages) and its wake-ups per second from 5 to 15 s and from 30 to 60 s.
 */
export async function zogStartup(prefix: string, runs: number): Promise<{ ms: number[]; idle: IdleFigures }> {
  const host = `${prefix}.11`;
  const peerPort = await freePort(host);
  const clientPort = await freePort(host);
  const ring = writeRing(tmpDir("ring-bench-start-"), prefix, { names: ["A", "B"], peerPort, clientPort, keepalive: 30 });
  const ms: number[] = [];
  const idle: IdleFigures = { rss: [], wakeups: [] };
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
      if (k === runs - 1) await sampleIdle(p.pid, t, idle);
    } finally {
      p.kill("SIGKILL");
      await p.exited;
    }
  }
  return { ms, idle };
}

/** Fills `idle` with the samples of {@link IDLE_SAMPLES} and {@link WAKEUP_STRETCHES} of process `pid` started at `t0`. */
async function sampleIdle(pid: number, t0: number, idle: IdleFigures): Promise<void> {
  const at = () => (performance.now() - t0) / 1000;
  // Idle time is what is measured: wait for each sample's moment.
  const until = (s: number) => Bun.sleep(Math.max(0, (s - at()) * 1000));
  for (const s of IDLE_SAMPLES) {
    const stretch = WAKEUP_STRETCHES.find(([from]) => from === s);
    await until(s);
    idle.rss.push({ at: s, rss: rssParts(pid) });
    if (stretch && s === stretch[0]) {
      const perSecond = await wakeupsPerSecond([pid], (stretch[1] - stretch[0]) * 1000);
      idle.wakeups.push({ from: stretch[0], to: stretch[1], perSecond });
    }
  }
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
