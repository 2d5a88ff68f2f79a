/**
 * Test rings: a ring.toml for N nodes on loopback addresses, and starting zog processes.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { bin, freePort, type Proc, run, start, tmpDir, waitFor, waitUp } from "./procs.ts";

/** A test ring on disk. */
export interface TestRing {
  dir: string;
  config: string;
  names: string[];
  hosts: string[];
  peerPort: number;
  clientPort: number;
}

/**
 * Three distinct ports that were free on `host` a moment ago: peer, client and stats
 * ports for a test ring. Fixed ports would collide when the same suite runs twice at once
 * (two worktrees, two CI jobs) on the same addresses.
 */
export async function freeRingPorts(host: string): Promise<{ peerPort: number; clientPort: number; statsPort: number }> {
  return { peerPort: await freePort(host), clientPort: await freePort(host), statsPort: await freePort(host) };
}

/** The seed's five node names. */
export const SEED_NAMES = ["MV", "PA", "G", "LA", "S"];

/**
 * Writes ring.toml in `dir` for nodes on `${net}.${11 + i}`.
 *
 * @param extra more top-level TOML (e.g. `fsync = "always"`) and tables (`[tls]`)
 */
export function writeRing(
  dir: string,
  net: string,
  opts: { names?: string[]; hosts?: string[]; peerPort: number; clientPort: number; keepalive?: number; extra?: string; tail?: string },
): TestRing {
  const names = opts.names ?? SEED_NAMES.slice(0, opts.hosts?.length);
  const hosts = opts.hosts ?? names.map((_, i) => `${net}.${11 + i}`);
  const nodes = names.map((n, i) => `[[node]]\nname = "${n}"\nhost = "${hosts[i]}"\n`).join("\n");
  const text = `peer_port = ${opts.peerPort}\nclient_port = ${opts.clientPort}\nkeepalive = ${opts.keepalive ?? 1}\nlog_dir = "logs/{node}"\nstate_dir = "state/{node}"\n${opts.extra ?? ""}\n${nodes}\n${opts.tail ?? ""}`;
  const config = join(dir, "ring.toml");
  writeFileSync(config, text);
  return { dir, config, names, hosts, peerPort: opts.peerPort, clientPort: opts.clientPort };
}

/** Starts node `name` of the ring with stats on its host at `statsPort`. */
export function startNode(ring: TestRing, name: string, statsPort: number, args: string[] = []): Proc {
  const host = ring.hosts[ring.names.indexOf(name)]!;
  const p = start(bin("zog"), [
    "--config",
    ring.config,
    "--node",
    name,
    "--stats",
    `${host}:${statsPort}`,
    "--log-level",
    "debug",
    ...args,
  ]);
  // A node that ends other than by our SIGKILL or a clean stop shows why.
  p.exited.then((code) => {
    if (code !== 0 && code !== 137) console.error(`zog ${name} exited with ${code}:\n${p.stderr().slice(-4000)}`);
  });
  return p;
}

/** The lines of a node's log file ("" lines dropped); [] when it does not exist yet. */
export function logLines(ring: TestRing, name: string, file = "access.log"): string[] {
  try {
    return readFileSync(join(ring.dir, "logs", name, file), "utf8")
      .split("\n")
      .filter((l) => l !== "");
  } catch {
    return [];
  }
}

/** Contents of access.log lines (the 16-character stamp and its space removed). */
export function accessContents(ring: TestRing, name: string): string[] {
  return logLines(ring, name).map((l) => l.slice(17));
}

/** A node's /status. */
export async function status(ring: TestRing, name: string, statsPort: number): Promise<any> {
  const host = ring.hosts[ring.names.indexOf(name)]!;
  try {
    const res = await fetch(`http://${host}:${statsPort}/status`, { signal: AbortSignal.timeout(1000) });
    return await res.json();
  } catch {
    return undefined;
  }
}

/** Whether every node's links are all up, both the ones it dialled and the ones it accepted. */
export async function meshUp(ring: TestRing, statsPort: number, names = ring.names): Promise<boolean> {
  for (const n of names) {
    const s = await status(ring, n, statsPort);
    if (!s || s.links.some((l: { state: string; inbound: boolean }) => l.state !== "up" || !l.inbound)) return false;
  }
  return true;
}

/**
 * Starts the five seed nodes on PREFIX.11–15 (free ports, keepalive 1) and waits for the
 * full mesh. The returned map holds each node's process, for tests that kill and restart.
 *
 * @example
 * ```ts
 * const { ring, stats, procs } = await startTestRing("127.1.3");
 * ```
 */
export async function startTestRing(prefix: string): Promise<{ ring: TestRing; stats: number; procs: Map<string, Proc> }> {
  const ports = await freeRingPorts(`${prefix}.11`);
  const ring = writeRing(tmpDir(), prefix, { ...ports, keepalive: 1 });
  const procs = new Map(ring.names.map((n) => [n, startNode(ring, n, ports.statsPort)] as const));
  await waitUp([...procs.values()], () => meshUp(ring, ports.statsPort), 15_000, "the five-node mesh");
  return { ring, stats: ports.statsPort, procs };
}

/** One node of a {@link RunningRing}. */
export interface RingNode {
  name: string;
  host: string;
  clientPort: number;
  accessLog: string;
  proc?: Proc;
}

/** A test ring whose nodes run as processes, started and killed by index. */
export interface RunningRing extends TestRing {
  nodes: RingNode[];
  statsPort: number;
  /** Starts node `i` (again) and waits until its client port answers. */
  startNode(i: number): Promise<void>;
  /** SIGKILLs node `i` and waits for it to be gone. */
  killNode(i: number): Promise<void>;
}

/** Whether something accepts TCP connections at host:port. */
export function accepting(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port });
    s.once("connect", () => {
      s.destroy();
      res(true);
    });
    s.once("error", () => res(false));
  });
}

async function runOk(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

/**
 * Writes ring.toml for the five seed nodes on SUBNET.11–15, or one seed name per given
 * host (free ports, keepalive 5), and starts every node, waiting until each client port
 * answers. With `tls`, certificates for each node and for a client ("client") are made in
 * DIR/pki and ring.toml requires them.
 *
 * @example
 * ```ts
 * const ring = await startRing("127.2.1", { tls: true });
 * await ring.killNode(2);
 * ```
 */
export async function startRing(subnet: string, opts: { tls?: boolean; hosts?: string[] } = {}): Promise<RunningRing> {
  const dir = tmpDir("ring-");
  const hosts = opts.hosts ?? SEED_NAMES.map((_, i) => `${subnet}.${11 + i}`);
  const { peerPort, clientPort, statsPort } = await freeRingPorts(hosts[0]!);
  let tail = "";
  if (opts.tls) {
    await runOk(bin("zog"), ["certs", "init", `${dir}/pki`]);
    for (const [i, host] of hosts.entries()) await runOk(bin("zog"), ["certs", "issue", `${dir}/pki`, SEED_NAMES[i]!, "--host", host]);
    await runOk(bin("zog"), ["certs", "issue", `${dir}/pki`, "client"]);
    tail = `[tls]\nca = "pki/ca.crt"\ncert = "pki/{node}.crt"\nkey = "pki/{node}.key"\n`;
  }
  const ring = writeRing(dir, subnet, { hosts, peerPort, clientPort, keepalive: 5, tail });
  const nodes: RingNode[] = ring.names.map((name, i) => ({
    name,
    host: ring.hosts[i]!,
    clientPort,
    accessLog: join(dir, "logs", name, "access.log"),
  }));
  const running: RunningRing = {
    ...ring,
    nodes,
    statsPort,
    async startNode(i) {
      const node = nodes[i]!;
      node.proc = start(bin("zog"), [
        "--config",
        ring.config,
        "--node",
        node.name,
        "--stats",
        `${node.host}:${statsPort}`,
        "--log-level",
        "warning",
      ]);
      await waitFor(
        async () => (await accepting(node.host, clientPort)) || node.proc!.child.exitCode !== null,
        15_000,
        `zog ${node.name} to listen`,
      );
      if (node.proc.child.exitCode !== null) throw new Error(`zog ${node.name} exited: ${node.proc.stderr()}`);
    },
    async killNode(i) {
      const p = nodes[i]!.proc;
      if (!p) return;
      process.kill(p.pid, "SIGKILL");
      await p.exited;
      nodes[i]!.proc = undefined;
    },
  };
  await Promise.all(nodes.map((_, i) => running.startNode(i)));
  return running;
}

/** The contents logged in an access.log (each line less its 17-column stamp), in order. */
export function loggedContents(accessLog: string): string[] {
  if (!existsSync(accessLog)) return [];
  return readFileSync(accessLog, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.slice(17));
}

/**
 * Whether no node of `up` owes anything to a node of `names`: all forwarding to them is
 * acknowledged, so nothing more can land in their logs. Each node of `names` must answer;
 * another that does not (stopped) is passed over.
 *
 * @example
 * ```ts
 * await waitFor(() => settled(ring, STATS), 10_000, "every backlog empty");
 * ```
 */
export async function settled(ring: TestRing, statsPort: number, names = ring.names, up = ring.names): Promise<boolean> {
  const set = new Set(names);
  for (const name of up) {
    const s = await status(ring, name, statsPort);
    if (!s) {
      if (set.has(name)) return false;
      continue;
    }
    if (s.links.some((l: { peer: string; backlog: number }) => set.has(l.peer) && l.backlog !== 0)) return false;
  }
  return true;
}

/**
 * Waits until every given access.log holds at least `count` lines after its first `skip`
 * and their nodes have settled (nothing owed among them, so nothing more can land), then
 * returns those lines per log: a duplicate would be among them.
 */
export async function waitForLogs(
  ring: RunningRing,
  logs: string[],
  skip: number[],
  count: number,
  timeoutMs = 30_000,
): Promise<string[][]> {
  const names = ring.nodes.filter((n) => logs.includes(n.accessLog)).map((n) => n.name);
  const up = ring.nodes.filter((n) => n.proc).map((n) => n.name);
  let got: string[][] = [];
  try {
    await waitFor(
      async () => {
        got = logs.map((l, i) => loggedContents(l).slice(skip[i]));
        return got.every((g) => g.length >= count) && (await settled(ring, ring.statsPort, names, up));
      },
      timeoutMs,
      `${count} new lines in each access.log and every backlog empty`,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; have ${got.map((g) => g.length).join(", ")}`);
  }
  return logs.map((l, i) => loggedContents(l).slice(skip[i]));
}

/** How many lines each access.log holds now. */
export function lineCounts(logs: string[]): number[] {
  return logs.map((l) => loggedContents(l).length);
}
