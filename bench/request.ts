/**
 * Request/reply benchmark (issue 24): round trips at window 1 through a five-node zog ring
 * at fsync "batch" (requester on MV, responder on S, then on MV: the request and the reply
 * are each logged on all five nodes) beside core NATS request/reply across a five-server cluster
 * (n1 → n5) in the same run; then `sprog request` against `sprog reply -- cat` (the
 * command lines, a process each); then cf-agent runs of 1, 10 and 100 `messages:` promises,
 * first run (sent) and converged run (kept). Figures only, no assertions.
 *
 * Run under the bench lock: `flock /tmp/bench.lock node_modules/.bin/bun run bench/request.ts`
 * (after `make`). Env: REQUESTS (default 1000).
 *
 * @module
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Responder } from "../lib/ring/client/responder.ts";
import { RingClient } from "../lib/ring/client/ring_client.ts";
import { bin, killAll, removeTmpDirs, run, start, tmpDir, waitFor } from "../tests/helpers/procs.ts";
import { status } from "../tests/helpers/ring_setup.ts";
import { pipelined, quantile } from "./ring_lib/load.ts";
import { NATS_SERVER, NatsCluster } from "./ring_lib/nats_cluster.ts";
import { ZogRing } from "./ring_lib/zog_ring.ts";

const N = Number(process.env.REQUESTS ?? 1000);
const CF_AGENT = ["/usr/bin/cf-agent", "/var/cfengine/bin/cf-agent"].find((p) => existsSync(p));
const ms = (x: number) => `${x.toFixed(2)} ms`;

function line(what: string, lat: Float64Array): void {
  console.log(
    `  ${what.padEnd(46)} p50 ${ms(quantile(lat, 0.5)).padStart(9)}   p99 ${ms(quantile(lat, 0.99)).padStart(9)}   (${lat.length} round trips)`,
  );
}

/** Round trips from a requester on MV to a responder on node `at` (4: S, two hops away; 0: MV itself). */
async function ringRoundTrips(ring: ZogRing, at: number): Promise<void> {
  const hosts = ring.ring.hosts;
  const port = ring.ring.clientPort;
  let up = false;
  const r = new Responder({
    server: { host: hosts[at]!, port },
    service: "bench",
    handle: async (req) => ({ code: 0, output: req.text }),
    onState: (state) => (up = state === "up"),
  });
  r.start();
  await waitFor(() => up, 10_000, "the responder");
  const client = new RingClient({ servers: [{ host: hosts[0]!, port }], timeoutMs: 10_000 });
  await client.request("bench", "warm-up");
  const res = await pipelined(N, 1, (k) => client.request("bench", `request ${k}`));
  line(`zog ring, RingClient.request MV -> responder ${ring.ring.names[at]}`, res.latencies);
  await client.close();
  await r.stop();
  if (at !== 4) return;
  const fsyncs = await Promise.all(ring.ring.names.map(async (name) => (await status(ring.ring, name, ring.stats))?.fsync_ms as number));
  console.log(`  fsync "batch": moving average per node ${fsyncs.map((f) => ms(f)).join(", ")}`);
}

async function cliRoundTrips(ring: ZogRing, n: number): Promise<void> {
  const servers = (i: number) => `${ring.ring.hosts[i]}:${ring.ring.clientPort}`;
  const reply = start(bin("sprog"), ["reply", "--server", servers(4), "--service", "cli", "--", "cat"]);
  await waitFor(() => reply.stderr().includes("answering cli"), 10_000, "sprog reply");
  const lat = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    const r = await run(bin("sprog"), ["request", "--server", servers(0), "--to", "cli", "-m", `cli ${k}`]);
    lat[k] = performance.now() - t;
    if (r.code !== 0) throw new Error(`sprog request exited ${r.code}: ${r.stderr}`);
  }
  line("sprog request -> sprog reply -- cat (processes)", lat);
  process.kill(reply.pid, "SIGTERM");
  await reply.exited;
}

async function cfAgentRuns(ring: ZogRing): Promise<void> {
  if (!CF_AGENT) return console.log("  cf-agent is NOT installed (apt-get install cfengine3): no cf-agent figures");
  const dir = tmpDir("bench-cf-");
  for (const count of [1, 10, 100]) {
    const tag = crypto.randomUUID().slice(0, 8);
    const file = join(dir, `p${count}.cf`);
    const promises = Array.from(
      { length: count },
      (_, i) => `    "bench ${tag} ${i}" id => "bench-${tag}-${i}", ring => "${ring.ring.config}";`,
    );
    const text = `promise agent messages { path => "${bin("cf-messages")}"; }\nbundle agent main {\n  messages:\n${promises.join("\n")}\n}\n`;
    writeFileSync(file, text, { mode: 0o600 });
    const times: number[] = [];
    for (const pass of ["first", "converged"]) {
      const t = performance.now();
      const r = await run(CF_AGENT, ["-K", "-f", file]);
      times.push(performance.now() - t);
      if (r.code !== 0 || /error/.test(r.stdout + r.stderr)) throw new Error(`cf-agent (${pass}): ${r.stdout}${r.stderr}`);
    }
    console.log(
      `  cf-agent -K, ${String(count).padStart(3)} messages: promises   first run (sent) ${ms(times[0]!).padStart(10)}   converged run (kept) ${ms(times[1]!).padStart(10)}`,
    );
  }
}

console.log(`request/reply at window 1, ${N} round trips each; five-node zog ring, fsync "batch"`);
const ring = await ZogRing.start("127.8.20", 5, "batch");
let nats: NatsCluster | undefined;
try {
  await ringRoundTrips(ring, 4);
  await ringRoundTrips(ring, 0);
  if (existsSync(NATS_SERVER)) {
    nats = await NatsCluster.start("127.8.21");
    const r = await nats.requestReply(N, 0, 4, new TextEncoder().encode("x".repeat(16)));
    line("core NATS request/reply n1 -> n5", r.latencies);
  } else console.log(`  ${NATS_SERVER} is NOT installed (apt-get install nats-server): no NATS comparison`);
  await cliRoundTrips(ring, 50);
  await cfAgentRuns(ring);
} finally {
  await nats?.stop();
  await ring.stop();
  await killAll();
  removeTmpDirs();
}
