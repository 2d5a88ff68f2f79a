/**
 * The ring side of the benchmark: N `dist/zog` nodes on loopback, loads through RingClient
 * and through the `dist/sprog` command line, and the time until every access.log holds
 * every message.
 *
 * @module
 */
import { join } from "node:path";
import { RingClient } from "../../lib/ring/client/ring_client.ts";
import { loadClientFiles, type TlsClientFiles } from "../../lib/tls/mod.ts";
import { bin, type Proc, run, start, tmpDir, waitFor } from "../../tests/helpers/procs.ts";
import { freeRingPorts, meshUp, type TestRing, writeRing } from "../../tests/helpers/ring_setup.ts";
import { type BenchPki, benchPki } from "./bench_pki.ts";
import { pipelined, type Sample, sample, until } from "./load.ts";
import { cpuMsSince, cpuSnapshot, sizeOf } from "./procfs.ts";

const SEED = ["MV", "PA", "G", "LA", "S"];

/** Content of message k: 61 bytes, so the pzog message (digit, content, CRLF) is 64. */
export function benchContent(k: number): string {
  return `bench ${String(k).padStart(9, "0")} `.padEnd(61, "x");
}

/** Bytes each message adds to an access.log: stamp and space (17), content, newline. */
const LINE_BYTES = 17 + 61 + 1;

/**
 * A running ring of `size` nodes with one fsync policy.
 *
 * @example
 * ```ts
 * const ring = await ZogRing.start("127.4.1", 5, "batch"); const s = await ring.viaClient(20000, 64); await ring.stop();
 * ```
 */
export class ZogRing {
  #sent = 0;

  private constructor(
    readonly ring: TestRing,
    readonly procs: Proc[],
    readonly stats: number,
    /** Mutual TLS: the ring's PKI, and the client's files loaded once. */
    readonly tls?: { pki: BenchPki; client: TlsClientFiles },
  ) {}

  /**
   * Starts `size` nodes on `${prefix}.11...` and waits for the full mesh (`zog`: another
   * build to compare). With `tls`, the ring runs `[tls]` with client certificates required.
   */
  static async start(prefix: string, size: number, fsync: string, zog = bin("zog"), opts: { tls?: boolean } = {}): Promise<ZogRing> {
    const ports = await freeRingPorts(`${prefix}.11`);
    const names = size === 5 ? SEED : Array.from({ length: size }, (_, i) => `N${i}`);
    const hosts = names.map((_, i) => `${prefix}.${11 + i}`);
    const pki = opts.tls ? await benchPki(names, hosts) : undefined;
    const tail = pki
      ? `[tls]\nca = "${pki.ca}"\ncert = "${pki.dir}/{node}.crt"\nkey = "${pki.dir}/{node}.key"\nclient_auth = "required"\n`
      : "";
    const ring = writeRing(tmpDir("ring-bench-"), prefix, { ...ports, names, hosts, keepalive: 30, extra: `fsync = "${fsync}"`, tail });
    const procs = ring.names.map((name, i) =>
      start(zog, ["--config", ring.config, "--node", name, "--stats", `${ring.hosts[i]}:${ports.statsPort}`, "--log-level", "error"]),
    );
    const r = new ZogRing(ring, procs, ports.statsPort, pki && { pki, client: await loadClientFiles(pki.client) });
    await waitFor(() => meshUp(ring, ports.statsPort), 20_000, `the ${size}-node mesh`);
    return r;
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid);
  }

  #logs(): string[] {
    return this.ring.names.map((n) => join(this.ring.dir, "logs", n, "access.log"));
  }

  #client(ack: "local" | "quorum", spread: "turn" | "message"): RingClient {
    return new RingClient({
      servers: this.ring.hosts.map((host) => ({ host, port: this.ring.clientPort })),
      policy: { kind: "roundRobin" },
      spread,
      timeoutMs: 120_000,
      ack,
      tls: this.tls?.client,
    });
  }

  /**
   * `n` messages through one RingClient, `window` in flight, round robin over the nodes;
   * `ack = "quorum"` waits for a majority of the nodes to hold each message durably;
   * `spread` is RingClient's (what sent in one turn goes to one node, or each message its own).
   */
  async viaClient(n: number, window: number, ack: "local" | "quorum" = "local", spread: "turn" | "message" = "turn"): Promise<Sample> {
    const client = this.#client(ack, spread);
    const cpu0 = cpuSnapshot(this.pids);
    const started = performance.now();
    const base = this.#sent;
    const r = await pipelined(n, window, (k) => client.publish(benchContent(base + k)));
    this.#sent += n;
    const stored = await this.#allStored(started);
    const s = sample(n, r, stored, cpuMsSince(cpu0, this.pids));
    await client.close();
    return s;
  }

  /**
   * The same load through the command line: `dist/sprog -i 0 --window W -r -n N` (it prints
   * no latencies). Two figures: `sending`, at the rate sprog's own summary gives (from the
   * start of its send, connecting included, to the last acknowledgement: how RingClient and
   * the NATS clients are timed), and `process`, from exec to exit (its start-up, a restart
   * without FTL and its exit included). The nodes' CPU is the same for both: exec to all stored.
   */
  async viaSprog(n: number, window: number): Promise<{ sending: Sample; process: Sample }> {
    const args = ["--config", this.ring.config, "-r", "-i", "0", "--window", String(window), "-n", String(n), "-m", benchContent(0)];
    if (this.tls) args.push("--cert", this.tls.pki.client.cert, "--key", this.tls.pki.client.key);
    const cpu0 = cpuSnapshot(this.pids);
    const started = performance.now();
    const r = await run(bin("sprog"), args);
    const elapsedMs = performance.now() - started;
    if (r.code !== 0) throw new Error(`sprog exited with ${r.code}: ${r.stderr}`);
    const own = / \(([\d.]+) msg\/s\)/.exec(r.stdout);
    if (!own) throw new Error(`sprog printed no rate in its summary: ${JSON.stringify(r.stdout)}`);
    this.#sent += n;
    const stored = await this.#allStored(started);
    const process = sample(n, { elapsedMs }, stored, cpuMsSince(cpu0, this.pids));
    return { process, sending: { ...process, ackRate: Number(own[1]) } };
  }

  /** Waits until every access.log holds every message sent; returns ms since `started`. */
  async #allStored(started: number): Promise<number> {
    const want = this.#sent * LINE_BYTES;
    const logs = this.#logs();
    await until(() => logs.every((l) => sizeOf(l) >= want), 120_000, "every access.log");
    return performance.now() - started;
  }

  async stop(): Promise<void> {
    for (const p of this.procs) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await Promise.all(this.procs.map((p) => p.exited));
  }
}
