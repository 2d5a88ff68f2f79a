/**
 * Helpers of the zeus end-to-end tests: a real `zeus` and real `emperor` processes on
 * loopback, each with a stats endpoint on a free port, read through their /status.
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";
import { bin, freePort, killAll, type Proc, run, start, tmpDir, waitFor, waitUp } from "../helpers/procs.ts";

/** A plain vassal config running /bin/sleep. */
export function sleeper(extra = ""): string {
  return `[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nstop_timeout = 2\n${extra}`;
}

/**
 * roll.toml's config for the rolling-update tests: three copies of a sleeper tagged `tag`,
 * checked by `check` every 0.1 s (one failure is enough), updated one copy at a time, each
 * proving itself for `minHealthy` seconds, reverted when a change fails.
 */
export function rollingConf(tag: string, check: string, minHealthy: number): string {
  return `[vassal]
command = "/bin/sleep"
args = ["1000"]
env = { TAG = "${tag}" }
stop_timeout = 1
nodes = 3
check = "${check}"
check_interval = 0.1
check_grace = 0
check_failures = 1
[vassal.update]
max_parallel = 1
min_healthy = ${minHealthy}
auto_revert = true
`;
}

/** roll.toml's row of zeus's /status (the vassal of {@link rollingConf}). */
export const roll = async (z: ZeusProc) => (await z.status())?.vassals.find((v) => v.name === "roll.toml");

/** True when roll.toml runs three copies, all running and healthy. */
export const rollHealthy = (v: Awaited<ReturnType<typeof roll>>): boolean =>
  v !== undefined && v.emperors.length === 3 && v.emperors.every((c) => c.state === "running" && c.health === "healthy");

/** The TAG each emperor's copy of roll.toml runs, read from the config the emperor was given. */
export const rollTags = (emperors: readonly EmperorProc[]) =>
  emperors.map((e) => /TAG = "(v\d)"/.exec(readFileSync(join(e.stateDir, "vassals", "roll.toml"), "utf8"))?.[1]).sort();

async function status<T>(port: number, query = ""): Promise<T | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/status${query}`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Two CAs for the TLS tests: `pki` (its ca.crt, zeus.crt naming 127.0.0.1, and e1.crt) and
 * `rogue` (another CA, with an e1.crt of its own).
 *
 * @throws {Error} when `zeus certs` fails
 */
export async function zeusPki(): Promise<{ pki: string; rogue: string }> {
  const pki = tmpDir("pki-");
  const rogue = tmpDir("rogue-pki-");
  for (const args of [
    ["init", pki],
    ["issue", pki, "zeus", "--host", "127.0.0.1"],
    ["issue", pki, "e1"],
    ["init", rogue],
    ["issue", rogue, "e1"],
  ]) {
    const r = await run(bin("zeus"), ["certs", ...args]);
    if (r.code !== 0) throw new Error(`zeus certs ${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
  }
  return { pki, rogue };
}

/** A running zeus process. */
export interface ZeusProc {
  proc: Proc;
  port: number;
  statsPort: number;
  dir: string;
  status(): Promise<ZeusStatus | undefined>;
}

/**
 * Starts `zeus --listen ... --vassals dir --stats ...` plus `extra` flags (and `env` added to
 * the environment); waits `upMs` (default 10 s) for its /status (with `upQuery`, e.g.
 * `"?summary"`: a large fleet's whole /status takes longer than the 2 s each try is given).
 */
export async function startZeus(
  opts: { dir?: string; port?: number; extra?: string[]; env?: Record<string, string>; upMs?: number; upQuery?: string } = {},
): Promise<ZeusProc> {
  const dir = opts.dir ?? tmpDir("zeus-vassals-");
  const port = opts.port ?? (await freePort());
  const statsPort = await freePort();
  const proc = start(
    bin("zeus"),
    ["--listen", `127.0.0.1:${port}`, "--vassals", dir, "--stats", `127.0.0.1:${statsPort}`, "--dead-after", "2", ...(opts.extra ?? [])],
    opts.env ? { env: { ...process.env, ...opts.env } } : {},
  );
  const z: ZeusProc = { proc, port, statsPort, dir, status: () => status<ZeusStatus>(statsPort) };
  await waitUp(proc, () => (opts.upQuery ? status(statsPort, opts.upQuery) : z.status()), opts.upMs ?? 10_000, "zeus /status");
  return z;
}

/** What an emperor's /status holds that these tests read. */
export interface EmperorStatus {
  node: string;
  zeus: { state: string };
  vassals: { name: string; pid?: number; state: string }[];
}

/** A running emperor process. */
export interface EmperorProc {
  node: string;
  proc: Proc;
  stateDir: string;
  statsPort: number;
  status(): Promise<EmperorStatus | undefined>;
}

/** Starts `emperor --emperor SPEC --node NODE` with a fresh state dir and a stats port. */
export async function startEmperor(node: string, spec: string, extra: string[] = [], stateDir?: string): Promise<EmperorProc> {
  const dir = stateDir ?? tmpDir(`emperor-${node}-`);
  mkdirSync(dir, { recursive: true });
  const statsPort = await freePort();
  const proc = start(bin("emperor"), [
    "--emperor",
    spec,
    "--node",
    node,
    "--state-dir",
    dir,
    "--heartbeat",
    "0.3",
    "--stats",
    `127.0.0.1:${statsPort}`,
    ...extra,
  ]);
  emperorProcs.add(proc);
  const e: EmperorProc = { node, proc, stateDir: dir, statsPort, status: () => status<EmperorStatus>(statsPort) };
  await waitUp(proc, () => e.status(), 10_000, `emperor ${node} /status`);
  return e;
}

const emperorProcs = new Set<Proc>();

/**
 * Ends a test: emperors first, by SIGTERM, so they stop their vassals (a SIGKILL landing
 * while one is starting a vassal could leave that vassal behind), then SIGKILL for the rest.
 */
export async function stopAll(): Promise<void> {
  const procs = [...emperorProcs];
  emperorProcs.clear();
  for (const p of procs) {
    try {
      process.kill(p.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  // At most 8 s for a graceful stop; killAll then ends what is left.
  await Promise.race([Promise.all(procs.map((p) => p.exited)), Bun.sleep(8000)]);
  await killAll();
}

/**
 * Starts zeus (plus `zeusExtra` flags) and emperors e1..eN connected to it, each with its
 * `--label`s when `emperors` lists them, and waits until all are registered and ready.
 *
 * @example
 * ```ts
 * const { z, spec, emperors } = await startCluster([["zone=a"], ["zone=b"]], ["--state", state]);
 * ```
 */
export async function startCluster(
  emperors: number | string[][] = 3,
  zeusExtra: string[] = [],
): Promise<{ z: ZeusProc; spec: string; emperors: EmperorProc[] }> {
  const z = await startZeus({ extra: zeusExtra });
  const spec = `zeus:127.0.0.1:${z.port}`;
  const labels = typeof emperors === "number" ? Array.from({ length: emperors }, (): string[] => []) : emperors;
  const started: EmperorProc[] = [];
  for (let i = 0; i < labels.length; i++)
    started.push(
      await startEmperor(
        `e${i + 1}`,
        spec,
        labels[i]!.flatMap((l) => ["--label", l]),
      ),
    );
  await emperorsReady(z, labels.length);
  return { z, spec, emperors: started };
}

/** Writes vassal configs into the vassals directory. */
export function writeVassals(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

/** Vassal name → [node, pid] of every running copy, read from the emperors themselves. */
export async function copies(emperors: readonly EmperorProc[]): Promise<Map<string, [string, number][]>> {
  const out = new Map<string, [string, number][]>();
  for (const e of emperors) {
    // A live emperor that misses one /status (a loaded machine) is asked again: reading it
    // as "runs nothing" would make a vassal look destroyed while it still runs.
    const s =
      e.proc.child.exitCode === null && e.proc.child.signalCode === null
        ? await waitFor(() => e.status(), 10_000, `emperor ${e.node} /status`)
        : undefined;
    for (const v of s?.vassals ?? []) {
      if (!out.has(v.name)) out.set(v.name, []);
      out.get(v.name)!.push([e.node, v.pid ?? 0]);
    }
  }
  return out;
}

/** Waits until zeus reports `n` vassals, all running, and returns its status. */
export async function allRunning(z: ZeusProc, n: number, timeoutMs = 20_000): Promise<ZeusStatus> {
  return await waitFor(
    async () => {
      const s = await z.status();
      return s && s.vassals.length === n && s.vassals.every((v) => v.state === "running") ? s : undefined;
    },
    timeoutMs,
    `${n} running vassals`,
  );
}

/** Waits until `n` emperors are connected to zeus and its start-up settle time is over. */
export async function emperorsReady(z: Pick<ZeusProc, "status">, n: number, timeoutMs = 10_000): Promise<ZeusStatus> {
  return await waitFor(
    async () => {
      const s = await z.status();
      return s && !s.settling && s.emperors.filter((e) => e.alive && e.ready).length === n ? s : undefined;
    },
    timeoutMs,
    `${n} emperors registered`,
  );
}

/** True while `pid` names a live process (a zombie counts as dead: it was killed, its parent has not reaped it yet). */
export { alive } from "./_emperor.ts";

/**
 * Samples the vassals of `emperors()` every 30 ms until stopped, recording any vassal seen
 * with more than one copy ("NAME on e1,e2").
 *
 * @example
 * ```ts
 * const watch = watchDuplicates(() => live);
 * // ... kill, freeze, take over ...
 * await watch.stop();
 * expect(watch.dups).toEqual([]);
 * ```
 */
export function watchDuplicates(emperors: () => readonly EmperorProc[]): { dups: string[]; stop(): Promise<void> } {
  const dups: string[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      for (const [name, where] of await copies(emperors())) if (where.length > 1) dups.push(`${name} on ${where.map((w) => w[0])}`);
      // The sampling interval of the duplicate watch, not a wait for a condition.
      await Bun.sleep(30);
    }
  })();
  return {
    dups,
    stop: async () => {
      on = false;
      await loop;
    },
  };
}
