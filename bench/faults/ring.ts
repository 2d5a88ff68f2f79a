/**
 * The fault suite's ring: five zog nodes, each in its own network namespace
 * ({@link Topology}), with mutual TLS (certificates from `zog certs`), started, killed,
 * paused, resumed, restarted by name; optionally under libfaketime (a clock that can be
 * stepped) or with its state dir on a small tmpfs (a disk that can fill).
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadClientFiles, type TlsClientFiles } from "../../lib/tls/files.ts";
import { bin, type Proc, start, tmpDir, waitFor } from "../../tests/helpers/procs.ts";
import { SEED_NAMES, type TestRing, writeRing } from "../../tests/helpers/ring_setup.ts";
import { sh, type Topology } from "./net.ts";

/** Ports are the same on every node: each has its own address. */
export const PEER_PORT = 4101;
export const CLIENT_PORT = 4102;
export const STATS_PORT = 4103;

/** libfaketime as Debian's `faketime` package installs it. */
export const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/** How a node runs. */
export interface NodeOptions {
  /** Under libfaketime, its offset read from this file at every call ("+0", "+60s", "-60s"). */
  clockFile?: string;
}

/**
 * A five-node TLS ring in namespaces.
 *
 * @example
 * ```ts
 * const ring = await FaultRing.create(net, { fsync: "batch" });
 * await ring.startAll();
 * ring.signal("G", "SIGSTOP");
 * ```
 */
export class FaultRing {
  readonly procs = new Map<string, Proc>();
  readonly options = new Map<string, NodeOptions>();
  /** Mounted tmpfs dirs, unmounted by {@link destroy}. */
  readonly #mounts: string[] = [];

  private constructor(
    readonly net: Topology,
    readonly ring: TestRing,
    readonly tls: TlsClientFiles,
  ) {}

  /** Writes certificates and ring.toml (`extra`: more top-level TOML, e.g. `fsync = "always"`). */
  static async create(net: Topology, opts: { extra?: string } = {}): Promise<FaultRing> {
    const dir = tmpDir("zog-faults-");
    const pki = join(dir, "pki");
    sh(bin("zog"), ["certs", "init", pki]);
    for (const n of SEED_NAMES) sh(bin("zog"), ["certs", "issue", pki, n, "--host", net.host(n)]);
    sh(bin("zog"), ["certs", "issue", pki, "client1"]);
    const tail = `[tls]\nca = "pki/ca.crt"\ncert = "pki/{node}.crt"\nkey = "pki/{node}.key"\nclient_auth = "required"\n`;
    const ring = writeRing(dir, "", {
      names: SEED_NAMES,
      hosts: SEED_NAMES.map((n) => net.host(n)),
      peerPort: PEER_PORT,
      clientPort: CLIENT_PORT,
      keepalive: 1,
      ...(opts.extra ? { extra: opts.extra } : {}),
      tail,
    });
    const tls = await loadClientFiles({ ca: join(pki, "ca.crt"), cert: join(pki, "client1.crt"), key: join(pki, "client1.key") });
    return new FaultRing(net, ring, tls);
  }

  get names(): readonly string[] {
    return this.ring.names;
  }

  /** Node `name`'s state dir (journal, store.db) and log dir (access.log). */
  stateDir(name: string): string {
    return join(this.ring.dir, "state", name);
  }

  logDir(name: string): string {
    return join(this.ring.dir, "logs", name);
  }

  /** Puts node `name`'s state dir on a tmpfs of `mib` MiB (before it starts). */
  smallDisk(name: string, mib: number): string {
    const d = this.stateDir(name);
    mkdirSync(d, { recursive: true });
    sh("mount", ["-t", "tmpfs", "-o", `size=${mib}m`, "tmpfs", d]);
    this.#mounts.push(d);
    return d;
  }

  /** Runs node `name` under libfaketime from now on, its offset in a file: returns that file. */
  fakeClock(name: string): string {
    const file = join(this.ring.dir, `clock-${name}`);
    writeFileSync(file, "+0\n");
    this.options.set(name, { ...this.options.get(name), clockFile: file });
    return file;
  }

  /** Starts node `name` in its namespace (again, after a kill). */
  startNode(name: string): Proc {
    const clock = this.options.get(name)?.clockFile;
    const env = clock
      ? [
          "env",
          `LD_PRELOAD=${LIBFAKETIME}`,
          `FAKETIME_TIMESTAMP_FILE=${clock}`,
          "FAKETIME_NO_CACHE=1",
          // An NTP step moves the wall clock only.
          "FAKETIME_DONT_FAKE_MONOTONIC=1",
        ]
      : [];
    const argv = [...env, bin("zog"), "--config", this.ring.config, "--node", name, "--stats", `${this.net.host(name)}:${STATS_PORT}`];
    const [cmd, ...args] = this.net.wrap(name, argv);
    const p = start(cmd!, args);
    this.procs.set(name, p);
    return p;
  }

  /** Starts every node and waits until each one's links are all up. */
  async startAll(timeoutMs = 30_000): Promise<void> {
    for (const n of this.names) this.startNode(n);
    await waitFor(() => this.meshUp(), timeoutMs, "the five-node TLS mesh in namespaces");
  }

  /** Sends `sig` to node `name` (by pid), unless it has exited. */
  signal(name: string, sig: NodeJS.Signals): void {
    const p = this.procs.get(name);
    if (p && p.child.exitCode === null && p.child.signalCode === null) process.kill(p.pid, sig);
  }

  /** Nodes that exited by themselves (not killed by the suite), with the last line they logged. */
  exited(): string[] {
    return [...this.procs]
      .filter(([, p]) => p.child.exitCode !== null)
      .map(([n, p]) => `${n} exited ${p.child.exitCode}: ${p.stderr().trim().split("\n").at(-1)?.slice(0, 300) ?? ""}`);
  }

  /** kill -9 of node `name`; resolves once it is gone. */
  async kill(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) return;
    this.procs.delete(name);
    try {
      process.kill(p.pid, "SIGCONT");
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await p.exited;
  }

  /** Node `name`'s /status, or undefined while it does not answer. */
  async status(name: string): Promise<any> {
    try {
      const res = await fetch(`http://${this.net.host(name)}:${STATS_PORT}/status`, { signal: AbortSignal.timeout(1000) });
      return await res.json();
    } catch {
      return undefined;
    }
  }

  /** Whether every running node's links are all up (dialled and accepted). */
  async meshUp(names = this.names): Promise<boolean> {
    for (const n of names) {
      const s = await this.status(n);
      if (!s || s.links.some((l: { state: string; inbound: boolean }) => l.state !== "up" || !l.inbound)) return false;
    }
    return true;
  }

  /** Whether no node owes a peer anything (every backlog empty). */
  async settled(): Promise<boolean> {
    for (const n of this.names) {
      const s = await this.status(n);
      if (!s || s.links.some((l: { backlog: number }) => l.backlog !== 0)) return false;
    }
    return true;
  }

  /** Kills every node it started and unmounts its tmpfs dirs; never throws. */
  async destroy(): Promise<void> {
    await Promise.all(this.names.map((n) => this.kill(n)));
    for (const d of this.#mounts.splice(0)) {
      try {
        sh("umount", [d]);
      } catch (e) {
        console.error(`faults: ${(e as Error).message}`);
      }
    }
  }
}
