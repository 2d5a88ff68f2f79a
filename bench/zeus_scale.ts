/**
 * zeus at fleet scale (prints figures, passes or fails nothing): a real `dist/zeus` and
 * EMPERORS simulated emperors in SIM_PROCS processes (bench/scale_lib/sim_procs.ts), each a
 * real TCP connection on loopback speaking the Zeus protocol without starting processes; VASSALS
 * copies from a directory of files (COPIES copies each). Measures the time until every copy
 * is placed and reported running, zeus's CPU and RSS, `/status`'s time, the heartbeat ages
 * zeus shows meanwhile, and one emperor's death until its copies run elsewhere. RSS is read right
 * after placement, QUIET seconds later (nothing fetched meanwhile), right after the whole
 * `/status` and QUIET seconds after that, with zeus's CPU while quiet.
 *
 * Env: VASSALS (default 1000), EMPERORS (100), COPIES (1), STATE (`file` | `etcd`),
 * REJECT (fraction of offers refused, 0), HEARTBEAT (seconds, 1), DEAD_AFTER (seconds, 5),
 * QUIET (seconds left alone before RSS is read once quiet, 30; 0: not read),
 * SIM_PROCS (simulator processes; default one per 500 emperors, at most 8), KILL9 (`0`: no
 * kill -9 of zeus at the end, e.g. to profile placement), ZEUS_LOG (a file for zeus's stderr),
 * ZEUS_LOG_LEVEL (default warning), TLS (`1`: zeus serves TLS with --client-ca, each emperor
 * dials with a client certificate naming it), SHOW_STATUS (`1`: print what `zeus status` printed), SOURCE (`dir` | `etcd`: the vassals as keys of the etcd,
 * `--vassals etcd://`), ETCD_MEMBERS (1; 3: a cluster, its raft leader moved while placing
 * and killed -9 before the failover), CONSOLE (`1`: a web console is open while placing),
 * STORM_S (600: how long the bench waits for every emperor back after kill -9 of zeus; it
 * prints the storm's progress every 5 s meanwhile).
 * Last line: `placed V vassals on E emperors in S s; zeus RSS R MiB`.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { type CertPair, generateCa, issueCert } from "../lib/certs/certs.ts";
import { join } from "node:path";
import { bin, killAll, removeTmpDirs, tmpDir, waitFor } from "../tests/helpers/procs.ts";
import { startZeus, type ZeusProc } from "../tests/e2e/_zeus.ts";
import type { ZeusStatus } from "../lib/zeus/zeus_status.ts";
import { cpuSeconds, memoryMiB, memoryParts, oldestHeartbeatMs, timedStatus } from "./scale_lib/measure.ts";
import { defaultProcs, SimProcs } from "./scale_lib/sim_procs.ts";
import { WAIT_BOUNDS_S } from "./scale_lib/sim_emperor.ts";
import { watchConsole } from "./scale_lib/console_watch.ts";
import {
  type BenchEtcd,
  etcdCpuSeconds,
  etcdKeyCount,
  etcdWrites,
  faultLine,
  moveRaftLeader,
  observeFault,
  putVassals,
  raftLeader,
  startBenchEtcd,
} from "./scale_lib/etcd_fleet.ts";

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const VASSALS = env("VASSALS", 1000);
const EMPERORS = env("EMPERORS", 100);
const COPIES = env("COPIES", 1);
const HEARTBEAT_MS = env("HEARTBEAT", 1) * 1000;
const DEAD_AFTER = env("DEAD_AFTER", 5);
const STATE = process.env.STATE ?? "file";
const SIM_PROCS = env("SIM_PROCS", defaultProcs(EMPERORS));
const SOURCE = process.env.SOURCE ?? "dir";
const ETCD_MEMBERS = env("ETCD_MEMBERS", 1);
const TLS = process.env.TLS === "1";
/** 1: every file a config of its own (a comment naming it), as a fleet of different vassals; else all the same config. */
const DISTINCT = process.env.DISTINCT === "1";
/** Where SOURCE=etcd puts the vassals. */
const VASSALS_PREFIX = "/zeus-scale-vassals/";

/** The etcd of STATE=etcd or SOURCE=etcd (started in main), and the members the bench killed. */
let etcd: BenchEtcd | undefined;
const etcdDead = new Set<number>();

/** The simulated emperors (started in main). */
let sims: SimProcs;
/** The largest heartbeat age zeus's /status showed, and how many samples. */
const ages = { max: 0, samples: 0, statusMaxMs: 0 };

async function stateFlags(): Promise<string[]> {
  if (STATE !== "file" && STATE !== "etcd") throw new Error(`STATE is "${STATE}": give file or etcd`);
  if (SOURCE !== "dir" && SOURCE !== "etcd") throw new Error(`SOURCE is "${SOURCE}": give dir or etcd`);
  if (STATE === "etcd" || SOURCE === "etcd") etcd = await startBenchEtcd(ETCD_MEMBERS);
  const hosts = etcd?.endpoints.join(",");
  return [
    ...(STATE === "file" ? ["--state", join(tmpDir("scale-state-"), "state.json")] : ["--state", `etcd://${hosts}/zeus-scale`]),
    ...(SOURCE === "etcd" ? ["--vassals", `etcd://${hosts}${VASSALS_PREFIX}`] : []),
  ];
}

/** TLS=1: the CA of zeus's certificate and of the emperors' client certificates (made in main). */
let tlsCa: CertPair | undefined;

/** TLS=1: a CA, zeus's certificate for 127.0.0.1, and the flags serving TLS that requires client certificates. */
async function tlsFlags(): Promise<string[]> {
  if (process.env.TLS !== "1") return [];
  tlsCa = await generateCa();
  const zeus = await issueCert(tlsCa, "zeus", ["127.0.0.1"]);
  const dir = tmpDir("scale-tls-");
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    return join(dir, name);
  };
  return ["--cert", file("zeus.crt", zeus.certPem), "--key", file("zeus.key", zeus.keyPem), "--client-ca", file("ca.crt", tlsCa.certPem)];
}

async function dialAll(z: ZeusProc): Promise<void> {
  const maxVassals = Math.max(1, Math.ceil(((VASSALS / EMPERORS) * 3) / 2));
  sims = await SimProcs.start(SIM_PROCS, EMPERORS, {
    host: "127.0.0.1",
    port: z.port,
    maxVassals,
    rejectRate: env("REJECT", 0),
    heartbeatMs: HEARTBEAT_MS,
    ...(tlsCa ? { tlsCa } : {}),
  });
  await sims.connect();
  await waitFor(
    async () => (await timedStatus(z.statsPort, "?summary"))?.status.summary?.alive === EMPERORS,
    120_000,
    "emperors identified",
  );
}

function sampleAges(statsPort: number): () => void {
  let on = true;
  void (async () => {
    while (on) {
      // The emperors' rows, no vassal's (a page of none): what a monitor of heartbeats would ask.
      const s = await timedStatus(statsPort, "?limit=0");
      if (s) {
        ages.max = Math.max(ages.max, oldestHeartbeatMs(s.status, s.at));
        ages.statusMaxMs = Math.max(ages.statusMaxMs, s.ms);
        ages.samples++;
      }
      await Bun.sleep(1000); // a sampling period, not a wait for a condition
    }
  })();
  return () => void (on = false);
}

/**
 * Writes the files 500 at a time, letting the heartbeats go out between (a 100 000-file loop
 * blocked them for seconds); SOURCE=etcd: the keys, 100 per transaction.
 */
async function writeVassals(dir: string): Promise<void> {
  const files = Math.ceil(VASSALS / COPIES);
  const width = String(files).length;
  const body = `[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nnodes = ${COPIES}\n`;
  const name = (i: number) => `v${String(i).padStart(width, "0")}.toml`;
  if (DISTINCT && SOURCE === "etcd") throw new Error("DISTINCT=1 is for SOURCE=dir: the etcd keys are written with one value");
  if (SOURCE === "etcd")
    return putVassals(
      etcd!.endpoints[0]!,
      VASSALS_PREFIX,
      Array.from({ length: files }, (_, i) => name(i)),
      body,
    );
  for (let i = 0; i < files; i++) {
    writeFileSync(join(dir, name(i)), DISTINCT ? `# ${name(i)}\n${body}` : body);
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
}

async function allRunning(z: ZeusProc): Promise<boolean> {
  if (sims.fleet().running < VASSALS) return false;
  const s = await timedStatus(z.statsPort, "?summary");
  const sum = s?.status.summary;
  return sum !== undefined && sum.vassal_states.running === sum.vassals;
}

/**
 * `zeus status` (a summary beyond 1 000 rows) as an operator runs it: its wall time in ms,
 * and what it printed (SHOW_STATUS=1 prints it, as `make demo` does).
 */
async function timedStatusCommand(z: ZeusProc): Promise<{ ms: number; text: string }> {
  const t0 = performance.now();
  const p = Bun.spawn([bin("zeus"), "status", "--stats", `127.0.0.1:${z.statsPort}`], { stdout: "pipe", stderr: "pipe" });
  const [code, text] = await Promise.all([p.exited, new Response(p.stdout).text()]);
  if (code !== 0) throw new Error(`zeus status exited ${code}: ${await new Response(p.stderr).text()}`);
  return { ms: performance.now() - t0, text };
}

async function failover(z: ZeusProc): Promise<void> {
  const t0 = performance.now();
  const lost = await sims.kill(0);
  await waitFor(() => sims.fleet().running >= VASSALS, 600_000, "the dead emperor's copies running elsewhere");
  await waitFor(() => allRunning(z), 600_000, "zeus sees every copy running");
  console.log(
    `one emperor (${lost} copies) closed: every copy running elsewhere after ${((performance.now() - t0) / 1000).toFixed(2)} s (--dead-after ${DEAD_AFTER})`,
  );
}

const liveEndpoint = () => etcd!.endpoints.find((_, i) => !etcdDead.has(i))!;
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);
const haStatus = (z: ZeusProc) => async () => (await timedStatus(z.statsPort, "?summary"))?.status;

/** ETCD_MEMBERS > 1: once half the copies run, the raft leader moves to another member; what zeus showed for 10 s. */
async function moveWhilePlacing(z: ZeusProc): Promise<string> {
  await waitFor(() => sims.fleet().running >= VASSALS / 2, 3_600_000, "half the copies running");
  const t0 = performance.now();
  const to = await moveRaftLeader(etcd!, etcdDead);
  const took = secs(t0);
  return `etcd raft leader moved to member ${to} while placing (half the copies running; the move took ${took} s): ${faultLine(await observeFault(haStatus(z), 10_000))}`;
}

/**
 * ETCD_MEMBERS > 1: kill -9 of the raft leader in steady state; `seen` resolves to what zeus
 * showed for 10 s after (meanwhile the bench goes on: one emperor's failover needs a write).
 */
async function killRaftLeader(z: ZeusProc): Promise<{ seen: Promise<string> }> {
  const { leader } = await raftLeader(etcd!, etcdDead);
  await etcd!.kill(leader);
  etcdDead.add(leader);
  const seen = observeFault(haStatus(z), 10_000);
  return { seen: seen.then((s) => `kill -9 of the etcd raft leader (member ${leader}) in steady state: ${faultLine(s)}`) };
}

/**
 * STATE=etcd: the time from `t0` until etcd holds every copy (as zeus follows it: its
 * `ha.state`, read 4 times a second), and what etcd wrote and its CPU until then.
 */
async function stateCaughtUp(z: ZeusProc, t0: number, w0: { puts: number; txns: number }, cpu0: number): Promise<string> {
  const files = Math.ceil(VASSALS / COPIES);
  for (;;) {
    const st = (await haStatus(z)())?.ha?.state;
    if (st?.vassals === files && st.copies === VASSALS) break;
    await Bun.sleep(250); // a sampling period: reading /status faster would load zeus while it places
  }
  const at = secs(t0);
  const w = await etcdWrites(liveEndpoint());
  return `etcd holds every copy ${at} s after the vassals began to be written; etcd meanwhile: ${w.puts - w0.puts} keys put in ${w.txns - w0.txns} transactions, etcd CPU ${(etcdCpuSeconds(etcd!) - cpu0).toFixed(1)} s`;
}

/** Seconds zeus is left alone (no `/status` fetched; heartbeats go on) before its RSS is read once quiet. */
const QUIET_S = env("QUIET", 30);

const perCopy = (mib: number) => `${mib.toFixed(1)} MiB (${((mib * 1024) / VASSALS).toFixed(2)} KiB per copy)`;

/**
 * Leaves zeus alone for QUIET seconds (the emperors heartbeat, nothing changes, nothing is
 * fetched): its RSS every 5 s (what each step of giving memory back gave), and its CPU
 * meanwhile (what it does when nothing changes).
 */
async function quietly(z: ZeusProc, after: string): Promise<string> {
  const cpu0 = cpuSeconds(z.proc.pid);
  const samples: string[] = [];
  for (let t = 5; t <= QUIET_S; t += 5) {
    await Bun.sleep(5000); // a sampling period: the point is that nothing happens
    samples.push(memoryMiB(z.proc.pid).rss.toFixed(0));
  }
  const cpu = cpuSeconds(z.proc.pid) - cpu0;
  const rss = memoryMiB(z.proc.pid).rss;
  const parts = memoryParts(z.proc.pid);
  const where = `${parts.data.toFixed(1)} MiB data, ${parts.jit.toFixed(1)} MiB JIT code, ${parts.files.toFixed(1)} MiB of files`;
  return `once quiet (${QUIET_S} s after ${after}, nothing fetched) zeus RSS ${perCopy(rss)} (${where}), every 5 s ${samples.join(", ")} MiB; zeus CPU meanwhile ${cpu.toFixed(1)} s (${((cpu / QUIET_S) * 100).toFixed(0)} % of a core)`;
}

async function run(z: ZeusProc): Promise<void> {
  const t = performance.now();
  await dialAll(z);
  console.log(
    `${EMPERORS} simulated emperors (${sims.size} processes) connected and identified in ${((performance.now() - t) / 1000).toFixed(2)} s`,
  );
  const stopSample = sampleAges(z.statsPort);
  const consoleWatch = process.env.CONSOLE === "1" ? watchConsole(z.statsPort) : undefined;
  const cpu0 = cpuSeconds(z.proc.pid);
  const etcd0 = etcd ? { writes: await etcdWrites(liveEndpoint()), cpu: etcdCpuSeconds(etcd) } : undefined;
  const moving = ETCD_MEMBERS > 1 ? moveWhilePlacing(z) : undefined;
  const t0 = performance.now();
  const saved = STATE === "etcd" ? stateCaughtUp(z, t0, etcd0!.writes, etcd0!.cpu) : undefined;
  await writeVassals(z.dir);
  const writtenS = (performance.now() - t0) / 1000;
  await waitFor(() => allRunning(z), 3_600_000, "every copy running");
  const placedS = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(z.proc.pid) - cpu0;
  stopSample();
  const placed = memoryMiB(z.proc.pid).rss;
  if (consoleWatch) {
    const c = await consoleWatch.stop();
    console.log(
      `a web console open while placing: ${c.events} snapshots, ${(c.bytes / 2 ** 20).toFixed(1)} MiB in all, the largest ${(c.largest / 1024).toFixed(0)} KiB, at most ${c.maxGapMs.toFixed(0)} ms apart`,
    );
  }
  console.log(
    `files written in ${writtenS.toFixed(2)} s; placed and running after ${placedS.toFixed(2)} s; zeus CPU ${cpu.toFixed(1)} s (${((cpu / VASSALS) * 1e6).toFixed(0)} µs per copy)`,
  );
  console.log(`zeus RSS right after placement ${perCopy(placed)}${QUIET_S > 0 ? `; ${await quietly(z, "placement")}` : ""}`);
  const s = await timedStatus(z.statsPort);
  const { rss, peak } = memoryMiB(z.proc.pid);
  const dead = s?.status.counters.emperors_lost ?? -1;
  console.log(`zeus RSS right after the whole /status ${perCopy(rss)} (peak ${peak.toFixed(1)}); /status ${s?.ms.toFixed(0)} ms`);
  if (QUIET_S > 0) console.log(`after the whole /status: ${await quietly(z, "the whole /status")}`);
  console.log(
    `heartbeat every ${HEARTBEAT_MS} ms: oldest age in /status ${ages.max} ms (${ages.samples} samples, slowest /status ${ages.statusMaxMs.toFixed(0)} ms); the simulator processes' own timer lag ${sims.lags().join(", ")} ms; emperors declared dead ${dead}; rejected ${sims.fleet().rejected}; connections closed ${sims.fleet().closed}`,
  );
  const command = await timedStatusCommand(z);
  if (process.env.SHOW_STATUS === "1") console.log(`$ zeus status\n${command.text.trimEnd()}`);
  const summary = await timedStatus(z.statsPort, "?summary");
  console.log(
    `zeus status (summary) ${command.ms.toFixed(0)} ms; /status?summary ${summary?.ms.toFixed(0)} ms; whole /status ${s?.ms.toFixed(0)} ms`,
  );
  const hb = s?.status.heartbeats;
  if (hb)
    console.log(
      `zeus read heartbeats at most ${hb.max_gap_ms.toFixed(0)} ms apart, judged at most ${hb.max_silence_ms?.toFixed(0) ?? "?"} ms apart (period ${HEARTBEAT_MS} ms); its loop was blocked ${hb.deaf_ms.toFixed(0)} ms in all, ${hb.max_deaf_ms.toFixed(0)} ms at most (not counted as silence)`,
    );
  if (moving) console.log(await moving);
  if (saved) console.log(await saved);
  const killed = ETCD_MEMBERS > 1 ? await killRaftLeader(z) : undefined;
  await failover(z);
  if (killed) console.log(await killed.seen);
  const r = memoryMiB(z.proc.pid).rss;
  if (process.env.KILL9 !== "0") await storm(z);
  console.log(`placed ${VASSALS} vassals on ${EMPERORS} emperors in ${placedS.toFixed(2)} s; zeus RSS ${r.toFixed(1)} MiB`);
}

/**
 * kill -9 of zeus, started again on its port and state: every emperor redials (with an emperor's backoff,
 * refused ones again) and reports what it runs. Time until all are back and every copy is
 * adopted, and what was started again (0 expected).
 */
async function storm(z: ZeusProc): Promise<void> {
  await sims.sync();
  const { spawned: spawned0, closed: closed0, gaveUp: gaveUp0, tcpWithin: tcp0, upWithin: up0 } = sims.fleet();
  const overflows0 = listenOverflows();
  const savedKeys = savedVassalKeys();
  const before = await savedKeys.count();
  const t0 = performance.now();
  process.kill(z.proc.pid, "SIGKILL");
  await z.proc.exited;
  // Reading 100 000 files and the state again takes over 10 s on a loaded machine.
  // Its whole /status at 1 000 000 copies takes more than the 2 s each try of the helper is given.
  const again = await startZeus({ dir: z.dir, port: z.port, extra: zeusFlags, upMs: 600_000, upQuery: "?summary" });
  current = again;
  const upS = (performance.now() - t0) / 1000;
  const back = EMPERORS - 1; // one was closed for good by failover()
  let last: ZeusStatus | undefined;
  const progress = stormProgress(again, t0, () => last, savedKeys.count);
  /** When (s after the kill) zeus first led, began its term on the restored state, had every emperor back, and ended its settle time. */
  const at: { leading?: number; restored?: number; allBack?: number; settled?: number } = {};
  const since = () => (performance.now() - t0) / 1000;
  let nextPoll = 0;
  await waitFor(
    async () => {
      // `?summary` walks every vassal (424 ms at 1 000 000 copies): asked back to back, as the
      // helper's 20 ms poll did, it took a third of zeus's loop while the emperors came back.
      if (performance.now() < nextPoll) return false;
      nextPoll = performance.now() + STORM_POLL_MS;
      last = (await timedStatus(again.statsPort, "?summary"))?.status;
      const sum = last?.summary;
      if (last && (last.ha?.role ?? "leader") === "leader") at.leading ??= since();
      if (sum?.alive === back) at.allBack ??= since();
      if (last?.settling) at.restored ??= since();
      if (at.restored !== undefined && !last?.settling) at.settled ??= since();
      return sum !== undefined && sum.alive === back && sum.vassal_states.running === sum.vassals && !last!.settling;
    },
    env("STORM_S", 600) * 1000,
    "every emperor back and every copy adopted",
  ).finally(progress);
  const s = ((performance.now() - t0) / 1000).toFixed(2);
  await sims.sync();
  console.log(
    `kill -9 of zeus (${STATE} state): up again after ${upS.toFixed(2)} s; ${back} emperors back and every copy adopted after ${s} s; adopted ${last!.counters.adopted}, placed anew ${last!.counters.placed}, configs sent again (restarts) ${sims.fleet().spawned - spawned0}; dials refused or failed ${sims.fleet().closed - closed0 - EMPERORS + 1} (given up for want of time: ${sims.fleet().gaveUp - gaveUp0}); simulator timer lag ${sims.lags().join(", ")} ms`,
  );
  const f1 = sims.fleet();
  console.log(
    `kill -9 of zeus: dials (from the dial) ${TLS ? "with their TLS handshake done" : "connected"} ${waitsText(f1.upWithin, up0)}; TCP connected ${waitsText(f1.tcpWithin, tcp0)}; the kernel's listen queue overflowed ${listenOverflows() - overflows0} times meanwhile (on the whole machine)`,
  );
  if (before !== undefined)
    console.log(
      `kill -9 of zeus: vassal keys of the saved state in etcd ${before} before it, ${savedKeys.lowest()} at the fewest while zeus took over, ${await savedKeys.count()} after`,
    );
  const f = (x?: number) => (x === undefined ? "?" : `${x.toFixed(2)} s`);
  // A settle time over between two samples of /status (a small fleet) was never seen running.
  const term =
    at.restored === undefined
      ? "its term restored and settled between two samples of /status"
      : `its term restored from the state after ${f(at.restored)}`;
  const settled = at.restored === undefined ? "" : `, settled after ${f(at.settled)}`;
  console.log(`kill -9 of zeus: leading after ${f(at.leading)}, ${term}, every emperor back after ${f(at.allBack)}${settled}`);
  if (last?.handshakes) console.log(`kill -9 of zeus: TLS ${handshakeText(last).slice(0, -2)}`);
}

/**
 * STATE=etcd: counts the vassal keys of the saved state in etcd (undefined with file state),
 * remembering the fewest seen: a takeover must never write a state with fewer vassals.
 */
function savedVassalKeys(): { count(): Promise<number | undefined>; lowest(): number | undefined } {
  let lowest: number | undefined;
  return {
    async count() {
      if (STATE !== "etcd") return undefined;
      const n = await etcdKeyCount(liveEndpoint(), "/zeus-scale/state/vassal/").catch(() => undefined);
      if (n !== undefined) lowest = Math.min(lowest ?? n, n);
      return n;
    },
    lowest: () => lowest,
  };
}

/**
 * While the storm lasts, every 5 s: what zeus shows (emperors back, settling, copies adopted
 * and placed anew, deaf time), the simulator's closed dials, and the TCP connections to zeus's
 * port (established, and waiting in its accept queue): a storm that does not end says why.
 */
function stormProgress(z: ZeusProc, t0: number, last: () => ZeusStatus | undefined, sample: () => Promise<unknown>): () => void {
  const cpu = () => ({ zeus: cpuSeconds(z.proc.pid), sims: sims.pids().reduce((n, pid) => n + cpuSeconds(pid), 0) });
  let cpu0 = cpu();
  const timer = setInterval(() => {
    const cpu1 = cpu();
    const used = `CPU in the last 5 s: zeus ${(cpu1.zeus - cpu0.zeus).toFixed(1)} s, simulator ${(cpu1.sims - cpu0.sims).toFixed(1)} s`;
    cpu0 = cpu1;
    void sample();
    const s = last();
    const c = s?.counters;
    const sock = portSockets(z.port);
    console.log(
      `  storm ${secs(t0)} s: alive ${s?.summary?.alive ?? "?"}, settling ${s?.settling ?? "?"}, adopted ${c?.adopted ?? "?"}, placed anew ${c?.placed ?? "?"}, extras destroyed ${c?.extras_destroyed ?? "?"}, deaf ${((s?.heartbeats?.deaf_ms ?? 0) / 1000).toFixed(1)} s (longest ${((s?.heartbeats?.max_deaf_ms ?? 0) / 1000).toFixed(1)}); dials closed or failed ${sims.fleet().closed} (given up for want of time: ${sims.fleet().gaveUp}); TCP to zeus: ${sock.established} established, accept queue ${sock.acceptQueue}; ${handshakeText(s)}${used}`,
    );
  }, 5000);
  return () => clearInterval(timer);
}

/** With TLS, how zeus's handshakes ended so far (`/status` `handshakes`), then "; ". */
function handshakeText(s: ZeusStatus | undefined): string {
  const h = s?.handshakes;
  if (!h) return "";
  return `handshakes done ${h.done}, abandoned by the client ${h.abandoned}, refused ${h.refused}, timed out ${h.timedOut}; `;
}

/** The TCP connections of zeus's listening port (from `ss`): established ones, and the listener's accept queue. */
function portSockets(port: number): { established: number; acceptQueue: string } {
  const ss = (args: string[]) =>
    Bun.spawnSync(["ss", "-Htn", ...args])
      .stdout.toString()
      .trim()
      .split("\n")
      .filter(Boolean);
  const established = ss(["state", "established", `( sport = :${port} )`]).length;
  const listening = ss(["state", "listening", `( sport = :${port} )`])[0]?.split(/\s+/);
  return { established, acceptQueue: listening ? `${listening[0]}/${listening[1]}` : "?" };
}

/** Dials by how long they took to be up, less those counted at `before`: "within 1 s 12, 2 s 30, ..., later 0". */
function waitsText(now: number[], before: number[]): string {
  return WAIT_BOUNDS_S.map((b, i) => `${Number.isFinite(b) ? `within ${b} s` : "later"} ${now[i]! - before[i]!}`).join(", ");
}

/** The kernel's count of connections dropped because a listen queue was full (`nstat`; the whole machine), or NaN. */
function listenOverflows(): number {
  const out = Bun.spawnSync(["nstat", "-az", "TcpExtListenOverflows"]).stdout.toString();
  return Number(/TcpExtListenOverflows\s+(\d+)/.exec(out)?.[1] ?? Number.NaN);
}

/** How often the bench asks zeus whether the storm after kill -9 is over. */
const STORM_POLL_MS = 1000;

/** zeus's flags (the same state again after kill -9), and the zeus running now. */
let zeusFlags: string[] = [];
let current: ZeusProc | undefined;

async function main(): Promise<void> {
  zeusFlags = [
    ...(await stateFlags()),
    ...(await tlsFlags()),
    "--dead-after",
    String(DEAD_AFTER),
    "--log-level",
    process.env.ZEUS_LOG_LEVEL ?? "warning",
  ];
  const z = (current = await startZeus({ dir: tmpDir("scale-vassals-"), extra: zeusFlags, upQuery: "?summary" }));
  try {
    await run(z);
  } finally {
    // Wrappers from ZOG_DIST may profile zeus: a profile is written when it stops, not when it is killed.
    if (process.env.ZOG_DIST && current) {
      process.kill(current.proc.pid, "SIGTERM");
      await current.proc.exited;
    }
    await sims?.stop();
    if (process.env.ZEUS_LOG && current) writeFileSync(process.env.ZEUS_LOG, current.proc.stderr());
    await killAll();
    removeTmpDirs();
  }
}

await main();
