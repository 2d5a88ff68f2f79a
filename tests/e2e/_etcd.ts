/**
 * A real etcd (Debian's etcd-server) on loopback for the several-zeus tests: free ports,
 * a temp data dir, killed by pid. Tests skip with a printed reason when etcd is missing.
 *
 * @module
 */
import { test } from "bun:test";
import { spawnSync } from "node:child_process";
import { freePort, type Proc, start, tmpDir, waitFor } from "../helpers/procs.ts";

/** Why etcd tests cannot run here, or undefined when they can. */
export function etcdMissing(): string | undefined {
  const r = spawnSync("etcd", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return "etcd is not installed (apt-get install etcd-server): skipping the several-zeus tests";
  return undefined;
}

/**
 * `test` where etcd can run, else `test.skip` with the reason printed once, as `FILE: reason`.
 *
 * @example
 * ```ts
 * const haTest = etcdTest("zeus_ha_test");
 * ```
 */
export function etcdTest(file: string): typeof test {
  const missing = etcdMissing();
  if (missing) console.log(`${file}: ${missing}`);
  return missing ? test.skip : test;
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

/** PEM files of a TLS etcd and of its client. */
export interface EtcdTls {
  ca: string;
  cert: string;
  key: string;
  clientCert: string;
  clientKey: string;
}

async function healthy(endpoint: string, tls?: EtcdTls): Promise<boolean> {
  try {
    const init: RequestInit & { tls?: unknown } = { signal: AbortSignal.timeout(1000) };
    if (tls)
      init.tls = {
        ca: await Bun.file(tls.ca).text(),
        cert: await Bun.file(tls.clientCert).text(),
        key: await Bun.file(tls.clientKey).text(),
      };
    const res = await fetch(`${tls ? "https" : "http"}://${endpoint}/health`, init);
    return res.ok && (await res.json()).health === "true";
  } catch {
    return false;
  }
}

/** Starts one etcd member on 127.0.0.1 (client port over TLS with client certificates when `tls`) and waits until it is healthy. */
export async function startEtcd(tls?: EtcdTls): Promise<EtcdProc> {
  const dataDir = tmpDir("etcd-");
  const client = await freePort();
  const peer = await freePort();
  const args = [
    "--name",
    "t",
    "--data-dir",
    dataDir,
    "--listen-client-urls",
    `${tls ? "https" : "http"}://127.0.0.1:${client}`,
    "--advertise-client-urls",
    `${tls ? "https" : "http"}://127.0.0.1:${client}`,
    "--listen-peer-urls",
    `http://127.0.0.1:${peer}`,
    "--initial-advertise-peer-urls",
    `http://127.0.0.1:${peer}`,
    "--initial-cluster",
    `t=http://127.0.0.1:${peer}`,
    "--log-level",
    "error",
    ...(tls ? ["--cert-file", tls.cert, "--key-file", tls.key, "--client-cert-auth", "--trusted-ca-file", tls.ca] : []),
  ];
  const endpoint = `127.0.0.1:${client}`;
  const e: EtcdProc = {
    proc: start("etcd", args),
    endpoint,
    dataDir,
    async restart(opts = {}) {
      process.kill(e.proc.pid, "SIGKILL");
      await e.proc.exited;
      // How long etcd stays down is what the caller tests (an outage of that length).
      if (opts.downMs) await Bun.sleep(opts.downMs);
      e.proc = start("etcd", args);
      await waitFor(() => healthy(endpoint, tls), 15_000, "etcd healthy again");
    },
  };
  await waitFor(() => healthy(endpoint, tls), 15_000, "etcd healthy");
  return e;
}

/** Every key under `prefix` with its value and revisions, read over etcd's JSON gateway. */
export async function etcdKeys(endpoint: string, prefix: string): Promise<Map<string, { value: string; modRevision: number }>> {
  const end = Buffer.from(prefix);
  end[end.length - 1]!++;
  const res = await fetch(`http://${endpoint}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: btoa(prefix), range_end: end.toString("base64") }),
    signal: AbortSignal.timeout(5000),
  });
  const kvs = ((await res.json()).kvs ?? []) as { key: string; value?: string; mod_revision: string }[];
  const text = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString();
  return new Map(kvs.map((kv) => [text(kv.key), { value: text(kv.value), modRevision: Number(kv.mod_revision) }]));
}

/** Writes one key over etcd's JSON gateway. */
export async function etcdPut(endpoint: string, key: string, value: string): Promise<void> {
  const res = await fetch(`http://${endpoint}/v3/kv/put`, {
    method: "POST",
    body: JSON.stringify({ key: Buffer.from(key).toString("base64"), value: Buffer.from(value).toString("base64") }),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`etcd put ${key}: HTTP ${res.status}`);
}

/** A running etcd cluster of several members on loopback. */
export interface EtcdCluster {
  /** "127.0.0.1:PORT" of each member's client port, in member order. */
  endpoints: string[];
  procs: Proc[];
  /** kill -9 of member `i`; resolves once it is gone. */
  kill(i: number): Promise<void>;
}

/**
 * Starts `n` etcd members forming one cluster (free ports, a temp data dir each) and waits
 * until every member answers healthy (the cluster has elected a raft leader).
 */
export async function startEtcdCluster(n = 3): Promise<EtcdCluster> {
  const members: { name: string; client: number; peer: number; dataDir: string }[] = [];
  for (let i = 0; i < n; i++) members.push({ name: `m${i}`, client: await freePort(), peer: await freePort(), dataDir: tmpDir("etcd-m-") });
  const initial = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(",");
  const procs = members.map((m) =>
    start("etcd", [
      "--name",
      m.name,
      "--data-dir",
      m.dataDir,
      "--listen-client-urls",
      `http://127.0.0.1:${m.client}`,
      "--advertise-client-urls",
      `http://127.0.0.1:${m.client}`,
      "--listen-peer-urls",
      `http://127.0.0.1:${m.peer}`,
      "--initial-advertise-peer-urls",
      `http://127.0.0.1:${m.peer}`,
      "--initial-cluster",
      initial,
      "--initial-cluster-state",
      "new",
      "--initial-cluster-token",
      `zeus-test-${process.pid}-${members[0]!.client}`,
      "--log-level",
      "error",
    ]),
  );
  const endpoints = members.map((m) => `127.0.0.1:${m.client}`);
  await waitFor(async () => (await Promise.all(endpoints.map((e) => healthy(e)))).every(Boolean), 30_000, `${n} etcd members healthy`);
  return {
    endpoints,
    procs,
    async kill(i) {
      process.kill(procs[i]!.pid, "SIGKILL");
      await procs[i]!.exited;
    },
  };
}
