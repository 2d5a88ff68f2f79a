/**
 * A real zog ring for end-to-end tests: N `dist/zog` processes from one ring.toml on
 * 127.2.S.11.. (S per test file), each with its own log folder.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { bin, type Proc, run, start, tmpDir, waitFor } from "../helpers/procs.ts";

/** Node names of the reference ring. */
export const NAMES = ["MV", "PA", "G", "LA", "S"];

/** One node of a test ring. */
export interface TestNode {
  name: string;
  host: string;
  clientPort: number;
  accessLog: string;
  proc?: Proc;
}

/** A running test ring. */
export interface TestRing {
  dir: string;
  config: string;
  nodes: TestNode[];
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

/** How to lay out a test ring. */
export interface RingOptions {
  /** The nodes' hosts (default five: SUBNET.11 to SUBNET.15). */
  hosts?: string[];
  peerPort?: number;
  clientPort?: number;
  /** Mutual TLS: certificates in DIR/pki for each node and for a client ("client"). */
  tls?: boolean;
}

async function runOk(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

/**
 * Writes ring.toml and starts every node.
 *
 * @param subnet e.g. "127.2.1": nodes get 127.2.1.11, .12, ...
 */
export async function startRing(subnet: string, opts: RingOptions = {}): Promise<TestRing> {
  const hosts = opts.hosts ?? NAMES.map((_, i) => `${subnet}.${11 + i}`);
  const dir = tmpDir("sprog-ring-");
  const peerPort = opts.peerPort ?? 55551;
  const clientPort = opts.clientPort ?? 55552;
  const nodes: TestNode[] = hosts.map((host, i) => ({
    name: NAMES[i]!,
    host,
    clientPort,
    accessLog: `${dir}/logs/${NAMES[i]}/access.log`,
  }));
  let tls = "";
  if (opts.tls) {
    await runOk(bin("zog"), ["certs", "init", `${dir}/pki`]);
    for (const x of nodes) await runOk(bin("zog"), ["certs", "issue", `${dir}/pki`, x.name, "--host", x.host]);
    await runOk(bin("zog"), ["certs", "issue", `${dir}/pki`, "client"]);
    tls = `[tls]\nca = "pki/ca.crt"\ncert = "pki/{node}.crt"\nkey = "pki/{node}.key"\n`;
  }
  const toml = [
    `peer_port = ${peerPort}`,
    `client_port = ${clientPort}`,
    `keepalive = 5`,
    `log_dir = "logs/{node}"`,
    ...nodes.map((x) => `[[node]]\nname = "${x.name}"\nhost = "${x.host}"`),
    tls,
  ].join("\n");
  const config = `${dir}/ring.toml`;
  await Bun.write(config, `${toml}\n`);
  const ring: TestRing = {
    dir,
    config,
    nodes,
    async startNode(i) {
      const node = nodes[i]!;
      node.proc = start(bin("zog"), ["--config", config, "--node", node.name, "--log-level", "warning"]);
      await waitFor(
        async () => (await accepting(node.host, node.clientPort)) || node.proc!.child.exitCode !== null,
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
  await Promise.all(nodes.map((_, i) => ring.startNode(i)));
  return ring;
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
 * Waits until every given access.log holds exactly `count` lines after its first `skip`,
 * then returns those lines per log.
 */
export async function waitForLogs(logs: string[], skip: number[], count: number, timeoutMs = 30_000): Promise<string[][]> {
  let got: string[][] = [];
  try {
    await waitFor(
      () => {
        got = logs.map((l, i) => loggedContents(l).slice(skip[i]));
        return got.every((g) => g.length >= count);
      },
      timeoutMs,
      `${count} new lines in each access.log`,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; have ${got.map((g) => g.length).join(", ")}`);
  }
  await Bun.sleep(200); // a duplicate would land right after
  return logs.map((l, i) => loggedContents(l).slice(skip[i]));
}

/** How many lines each access.log holds now. */
export function lineCounts(logs: string[]): number[] {
  return logs.map((l) => loggedContents(l).length);
}
