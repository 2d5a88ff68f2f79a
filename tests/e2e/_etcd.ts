/**
 * A real etcd (Debian's etcd-server) on loopback for the several-zeus tests: free ports,
 * a temp data dir, killed by pid. Tests skip with a printed reason when etcd is missing.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { freePort, type Proc, start, tmpDir, waitFor } from "../helpers/procs.ts";

/** Why etcd tests cannot run here, or undefined when they can. */
export function etcdMissing(): string | undefined {
  const r = spawnSync("etcd", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return "etcd is not installed (apt-get install etcd-server): skipping the several-zeus tests";
  return undefined;
}

/** A running etcd. */
export interface EtcdProc {
  proc: Proc;
  /** "127.0.0.1:PORT" of its client port. */
  endpoint: string;
  dataDir: string;
  /** kill -9, then start again on the same data dir and ports. */
  restart(opts?: { downMs?: number }): Promise<void>;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok && (await res.json()).health === "true";
  } catch {
    return false;
  }
}

/** Starts one etcd member on 127.0.0.1 and waits until it is healthy. */
export async function startEtcd(): Promise<EtcdProc> {
  const dataDir = tmpDir("etcd-");
  const client = await freePort();
  const peer = await freePort();
  const args = [
    "--name",
    "t",
    "--data-dir",
    dataDir,
    "--listen-client-urls",
    `http://127.0.0.1:${client}`,
    "--advertise-client-urls",
    `http://127.0.0.1:${client}`,
    "--listen-peer-urls",
    `http://127.0.0.1:${peer}`,
    "--initial-advertise-peer-urls",
    `http://127.0.0.1:${peer}`,
    "--initial-cluster",
    `t=http://127.0.0.1:${peer}`,
    "--log-level",
    "error",
  ];
  const endpoint = `127.0.0.1:${client}`;
  const e: EtcdProc = {
    proc: start("etcd", args),
    endpoint,
    dataDir,
    async restart(opts = {}) {
      process.kill(e.proc.pid, "SIGKILL");
      await e.proc.exited;
      if (opts.downMs) await Bun.sleep(opts.downMs);
      e.proc = start("etcd", args);
      await waitFor(() => healthy(endpoint), 15_000, "etcd healthy again");
    },
  };
  await waitFor(() => healthy(endpoint), 15_000, "etcd healthy");
  return e;
}
