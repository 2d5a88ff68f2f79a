/**
 * The same load through Debian's nats-server: core NATS (PUB, then PING/PONG as the
 * acknowledgement, five subscribers standing in for five nodes) and JetStream (file
 * storage, each publish acknowledged by the stream).
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipelined, quantile, type Row } from "./load.ts";
import { NatsConn } from "./nats.ts";

/** Where Debian installs nats-server. */
export const NATS_SERVER = "/usr/sbin/nats-server";

async function waitPort(host: string, port: number): Promise<NatsConn> {
  for (let k = 0; ; k++) {
    try {
      return await NatsConn.open(host, port);
    } catch (e) {
      if (k > 200) throw e;
      await Bun.sleep(25);
    }
  }
}

/**
 * Starts nats-server (JetStream on, store in a temp dir), runs both loads, stops it.
 *
 * @param payload the message bytes (the same 64 bytes the ring gets)
 */
export async function benchNats(host: string, port: number, n: number, window: number, payload: Buffer): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "ring-bench-nats-"));
  const proc: ChildProcess = spawn(NATS_SERVER, ["-a", host, "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" });
  try {
    const pub = await waitPort(host, port);
    await core(host, port, pub, Math.ceil(n / 10), window, payload); // warm up
    const rows = [await core(host, port, pub, n, window, payload), await jetstream(pub, n, window, payload)];
    pub.close();
    return rows;
  } finally {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

async function core(host: string, port: number, pub: NatsConn, n: number, window: number, payload: Buffer): Promise<Row> {
  const subs = await Promise.all([0, 1, 2, 3, 4].map(() => NatsConn.open(host, port)));
  let delivered = 0;
  let allDone: () => void = () => {};
  const all = new Promise<void>((res) => (allDone = res));
  subs.forEach((s, i) => {
    s.onMsg = () => {
      if (++delivered === 5 * n) allDone();
    };
    s.sub("bench.core", `s${i}`);
  });
  await Promise.all(subs.map((s) => s.ping()));
  const started = performance.now();
  const r = await pipelined(n, window, () => {
    pub.pub("bench.core", payload);
    return pub.ping();
  });
  await all;
  const full = performance.now() - started;
  for (const s of subs) s.close();
  return {
    system: "nats core (PUB+PING, 5 subs)",
    ackRate: (n * 1000) / r.elapsedMs,
    fullRate: (n * 1000) / full,
    p50: quantile(r.latencies, 0.5),
    p99: quantile(r.latencies, 0.99),
  };
}

async function jetstream(nc: NatsConn, n: number, window: number, payload: Buffer): Promise<Row> {
  const waiting = new Map<string, () => void>();
  nc.onMsg = (m) => {
    waiting.get(m.subject)?.();
    waiting.delete(m.subject);
  };
  nc.sub("_INBOX.bench.*", "inbox");
  const request = (subject: string, body: Buffer, k: number) =>
    new Promise<void>((res) => {
      const reply = `_INBOX.bench.${k}`;
      waiting.set(reply, res);
      nc.pub(subject, body, reply);
    });
  await request("$JS.API.STREAM.CREATE.BENCH", Buffer.from(JSON.stringify({ name: "BENCH", subjects: ["bench.js"], storage: "file" })), -1);
  const r = await pipelined(n, window, (k) => request("bench.js", payload, k));
  const rate = (n * 1000) / r.elapsedMs;
  return {
    system: "nats jetstream (file, acked)",
    ackRate: rate,
    fullRate: rate,
    p50: quantile(r.latencies, 0.5),
    p99: quantile(r.latencies, 0.99),
  };
}
