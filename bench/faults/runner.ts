/**
 * Runs one fault case: a fresh five-node TLS ring in namespaces, a listener on every node,
 * the writer, the case's fault; then everything mended (cuts healed, shaping removed,
 * paused nodes resumed, dead ones started), the ring given time to converge, the nodes
 * stopped, `zog verify` run on each, and the checker's verdict.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bin, run, waitFor } from "../../tests/helpers/procs.ts";
import type { FaultCase } from "./cases.ts";
import { type Anomalies, check } from "./checker.ts";
import { Topology } from "./net.ts";
import { CLIENT_PORT, FaultRing } from "./ring.ts";
import { listen, write } from "./workload.ts";

/** One run's outcome. */
export interface RunResult {
  name: string;
  seed: number;
  fsync: string;
  /** What the fault did, as the case said it. */
  did: string[];
  /** Nodes that exited by themselves, and why. */
  exited: string[];
  acked: number;
  attempted: number;
  /** Seconds from the end of the fault until every node held the same messages (undefined: never, within the bound). */
  convergedS?: number;
  anomalies: Anomalies;
}

/**
 * A small seeded generator (mulberry32) of numbers in [0, 1).
 *
 * @example
 * ```ts
 * const rng = seeded(7);
 * rng() === seeded(7)(); // true
 * ```
 */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The contents of node `name`'s access.log lines of `tag` (stamps removed). */
function logged(ring: FaultRing, name: string, tag: string): string[] {
  let text = "";
  try {
    text = readFileSync(join(ring.logDir(name), "access.log"), "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .map((l) => l.slice(17))
    .filter((c) => c.startsWith(`${tag} `));
}

/**
 * Runs `c` once with `seed` and `fsync`; the ring, its namespaces and mounts are removed
 * whatever happens.
 *
 * @throws {Error} when the ring cannot be set up
 * @example
 * ```ts
 * const r = await runCase(RING_CASES[0]!, { seed: 1 });
 * clean(r.anomalies);
 * ```
 */
export async function runCase(c: FaultCase, opts: { seed: number; fsync?: string; convergeMs?: number }): Promise<RunResult> {
  const fsync = opts.fsync ?? "batch";
  const net = Topology.create(["MV", "PA", "G", "LA", "S"]);
  let ring: FaultRing | undefined;
  try {
    ring = await FaultRing.create(net, { extra: `fsync = "${fsync}"` });
    c.setup?.(ring);
    await ring.startAll();
    const r = ring;
    const tag = `f${opts.seed}`;
    const hosts = r.names.map((n) => net.host(n));
    const listeners = await listen(
      r.names.map((n) => ({ name: n, host: net.host(n) })),
      CLIENT_PORT,
      r.tls,
      tag,
    );
    const did: string[] = [];
    let acks = 0;
    const waiters: { n: number; resolve: () => void }[] = [];
    let faultDone = false;
    let tail = 0;
    const writing = write(hosts, CLIENT_PORT, r.tls, {
      tag,
      count: 20_000,
      window: 8,
      paceMs: 20,
      timeoutMs: 2000,
      // Some more messages once the fault is mended: they must get through too.
      more: () => !faultDone || tail++ < 100,
      onAck: (n) => {
        acks = n;
        for (const w of waiters.filter((w) => w.n <= n)) w.resolve();
      },
    });
    await c.run({
      net,
      ring: r,
      rng: seeded(opts.seed),
      acked: (n) => (acks >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
      say: (what) => did.push(what),
    });
    faultDone = true;
    mend(net, r);
    const healed = performance.now();
    const h = await writing;
    let convergedS: number | undefined;
    try {
      await waitFor(
        async () => {
          const counts = r.names.map((n) => new Set(logged(r, n, tag)).size);
          const ok = counts.every((k) => k === counts[0] && k >= h.acked.size) && (await r.settled());
          return ok;
        },
        opts.convergeMs ?? 60_000,
        "every node holding the same messages",
      );
      convergedS = (performance.now() - healed) / 1000;
    } catch {
      // Not converged within the bound: the checker says what differs.
    }
    const heard = listeners.stop();
    const exited = r.exited();
    for (const n of r.names) r.signal(n, "SIGTERM");
    await Promise.all([...r.procs.values()].map((p) => p.exited));
    const storeAgrees = new Map<string, boolean>();
    for (const n of r.names) storeAgrees.set(n, (await run(bin("zog"), ["verify", "--config", r.ring.config, "--node", n])).code === 0);
    const logs = new Map(r.names.map((n) => [n, logged(r, n, tag)] as const));
    const anomalies = check({ attempted: h.attempted, acked: h.acked, logs, storeAgrees, listeners: heard });
    return {
      name: c.name,
      seed: opts.seed,
      fsync,
      did,
      exited,
      acked: h.acked.size,
      attempted: h.attempted.size,
      ...(convergedS !== undefined ? { convergedS } : {}),
      anomalies,
    };
  } finally {
    await ring?.destroy();
    net.destroy();
  }
}

/** Undoes whatever a case left: cuts, shaping, paused and dead nodes. */
function mend(net: Topology, ring: FaultRing): void {
  net.heal();
  net.clearShaping();
  for (const n of ring.names) {
    if (ring.procs.has(n)) ring.signal(n, "SIGCONT");
    else ring.startNode(n);
  }
}
