/**
 * Test rings: a ring.toml for N nodes on loopback addresses, and starting zog processes.
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, freePort, type Proc, start, tmpDir, waitFor } from "./procs.ts";

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
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort(host));
  const [peerPort, clientPort, statsPort] = [...ports] as [number, number, number];
  return { peerPort, clientPort, statsPort };
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
  opts: { names?: string[]; peerPort: number; clientPort: number; keepalive?: number; extra?: string; tail?: string },
): TestRing {
  const names = opts.names ?? SEED_NAMES;
  const hosts = names.map((_, i) => `${net}.${11 + i}`);
  const nodes = names.map((n, i) => `[[node]]\nname = "${n}"\nhost = "${hosts[i]}"\n`).join("\n");
  const text = `peer_port = ${opts.peerPort}\nclient_port = ${opts.clientPort}\nkeepalive = ${opts.keepalive ?? 1}\nlog_dir = "logs/{node}"\n${opts.extra ?? ""}\n${nodes}\n${opts.tail ?? ""}`;
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
  await waitFor(() => meshUp(ring, ports.statsPort), 15_000, "the five-node mesh");
  return { ring, stats: ports.statsPort, procs };
}
