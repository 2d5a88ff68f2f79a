/**
 * The ring side of the benchmark: five `dist/zog` nodes on loopback, a pipelined
 * RingClient load, and the time until all five access.logs hold every message.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RingClient } from "../../lib/ring/client/ring_client.ts";
import { pipelined, quantile, type Row } from "./load.ts";

const ZOG = resolve(import.meta.dir, "../../dist/zog");
const SPROG = resolve(import.meta.dir, "../../dist/sprog");
const NAMES = ["MV", "PA", "G", "LA", "S"];

/** Content of message k: 61 bytes, so the pzog message (digit, content, CRLF) is 64. */
export function benchContent(k: number): string {
  return `bench ${String(k).padStart(9, "0")} `.padEnd(61, "x");
}

/** Bytes each message adds to an access.log: stamp and space (17), content, newline. */
const LINE_BYTES = 17 + 61 + 1;

function accepting(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port });
    s.once("connect", () => (s.destroy(), res(true)));
    s.once("error", () => res(false));
  });
}

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Runs `n` messages, `window` in flight, through a five-node ring on `subnet`.11-15 with
 * the given fsync policy.
 */
export async function benchZog(subnet: string, fsync: string, n: number, window: number, withCli = false): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "ring-bench-"));
  const hosts = NAMES.map((_, i) => `${subnet}.${11 + i}`);
  const toml = [
    `fsync = "${fsync}"`,
    `log_dir = "logs/{node}"`,
    ...NAMES.map((name, i) => `[[node]]\nname = "${name}"\nhost = "${hosts[i]}"`),
  ].join("\n");
  await Bun.write(join(dir, "ring.toml"), `${toml}\n`);
  const procs: ChildProcess[] = NAMES.map((name) =>
    spawn(ZOG, ["--config", join(dir, "ring.toml"), "--node", name, "--log-level", "error"], { stdio: ["ignore", "ignore", "inherit"] }),
  );
  try {
    for (const h of hosts) {
      for (let k = 0; !(await accepting(h, 55552)); k++) {
        if (k > 400) throw new Error(`zog on ${h} did not start`);
        await Bun.sleep(25);
      }
    }
    await Bun.sleep(500); // let the peer links come up
    const client = new RingClient({
      servers: hosts.map((host) => ({ host, port: 55552 })),
      policy: { kind: "roundRobin" },
      timeoutMs: 60_000,
    });
    const logs = NAMES.map((name) => join(dir, "logs", name, "access.log"));
    // Warm up (JIT, page cache, links) with a tenth of the load, then measure.
    const warm = Math.ceil(n / 10);
    await pipelined(warm, window, (k) => client.publish(benchContent(n + k)));
    while (logs.some((l) => size(l) < warm * LINE_BYTES)) await Bun.sleep(5);
    const started = performance.now();
    const r = await pipelined(n, window, (k) => client.publish(benchContent(k)));
    while (logs.some((l) => size(l) < (warm + n) * LINE_BYTES)) await Bun.sleep(5);
    const full = performance.now() - started;
    await client.close();
    const rows: Row[] = [
      {
        system: `zog fsync=${fsync} (5 nodes)`,
        ackRate: (n * 1000) / r.elapsedMs,
        fullRate: (n * 1000) / full,
        p50: quantile(r.latencies, 0.5),
        p99: quantile(r.latencies, 0.99),
      },
    ];
    if (withCli) rows.push(await benchCli(join(dir, "ring.toml"), logs, (warm + n) * LINE_BYTES, n, window, fsync));
    return rows;
  } finally {
    for (const p of procs) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same load through the real command line, `dist/sprog -i 0 --window W -n N` (no latencies: it prints only the summary). */
async function benchCli(config: string, logs: string[], have: number, n: number, window: number, fsync: string): Promise<Row> {
  const started = performance.now();
  const sprog = spawn(
    SPROG,
    ["--config", config, "-r", "-i", "0", "--window", String(window), "-n", String(n), "-m", benchContent(0), "-q"],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const code = await new Promise<number | null>((res) => sprog.on("exit", res));
  const acked = performance.now() - started;
  if (code !== 0) throw new Error(`sprog exited with ${code}`);
  while (logs.some((l) => size(l) < have + n * LINE_BYTES)) await Bun.sleep(5);
  const full = performance.now() - started;
  return {
    system: `dist/sprog CLI, fsync=${fsync}`,
    ackRate: (n * 1000) / acked,
    fullRate: (n * 1000) / full,
    p50: Number.NaN,
    p99: Number.NaN,
  };
}
