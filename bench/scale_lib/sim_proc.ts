/**
 * One process of bench/zeus_scale.ts's simulated fleet (started by sim_procs.ts): the
 * emperors `first`..`first + count - 1`, each a real connection to zeus
 * (sim_emperor.ts). It takes commands from its parent over IPC (`connect`, `kill`, `sync`)
 * and sends back its tallies and its own timer lag every 100 ms, so that the bench does not
 * measure the lateness of a single process sending every heartbeat.
 *
 * Heartbeats are spread over the period: every tenth of it, a tenth of the emperors send
 * I_AM_ALIVE (real emperors are not in step either).
 *
 * @module
 */
import { issueCert } from "../../lib/certs/certs.ts";
import { emptyFleet, SimEmperor, type SimFleet } from "./sim_emperor.ts";
import type { SimCommand, SimReport, SimSpec } from "./sim_procs.ts";

/** Dials at once per process: under zeus's cap of connections that have not said who they are. */
const DIAL_BATCH = 32;
/** Slices of a heartbeat period: each sends the heartbeats of one slice of the emperors. */
const SLICES = 10;

const spec = JSON.parse(process.env.SIM_SPEC ?? "{}") as SimSpec;
const fleet: SimFleet = emptyFleet(spec.rejectRate);
const emperors: SimEmperor[] = [];
for (let i = spec.first; i < spec.first + spec.count; i++) {
  const node = `e${i}`;
  // TLS=1: a client certificate of its own for each emperor, as zeus --client-ca requires.
  const pair = spec.tlsCa && (await issueCert(spec.tlsCa, node, []));
  const tls = spec.tlsCa && pair ? { cert: pair.certPem, key: pair.keyPem, ca: spec.tlsCa.certPem } : undefined;
  emperors.push(new SimEmperor(node, spec.maxVassals, fleet, tls));
}
/** The largest lateness of a heartbeat slice's timer, in ms: this process' own delay. */
let lagMs = 0;
let beating: ReturnType<typeof setInterval> | undefined;

function send(r: SimReport): void {
  process.send!(r);
}

/** Dials every emperor of this process, DIAL_BATCH at a time, each sending heartbeats once connected. */
async function connect(): Promise<void> {
  // Heartbeats from the first dial on: the first emperors must not fall silent while the last dial.
  beat();
  for (let i = 0; i < emperors.length; i += DIAL_BATCH) {
    await Promise.all(emperors.slice(i, i + DIAL_BATCH).map((e) => e.connect(spec.host, spec.port)));
  }
  send({ kind: "connected" });
}

/** Heartbeats of one slice every period/SLICES ms: each emperor once a period. */
function beat(): void {
  const every = spec.heartbeatMs / SLICES;
  let last = performance.now();
  let slice = 0;
  beating = setInterval(() => {
    const now = performance.now();
    lagMs = Math.max(lagMs, now - last - every);
    last = now;
    for (let i = slice; i < emperors.length; i += SLICES) if (emperors[i]!.connected) emperors[i]!.heartbeat();
    slice = (slice + 1) % SLICES;
  }, every);
}

function kill(node: string): void {
  const e = emperors.find((x) => x.node === node);
  const copies = e?.vassals.size ?? 0;
  e?.kill();
  tally(); // before the answer: the parent must not wait on a tally that still counts the killed copies
  send({ kind: "killed", node, copies });
}

/** Sends this process' tallies and timer lag to the parent. */
function tally(): void {
  send({ kind: "tally", fleet: { ...fleet }, lagMs });
}

function command(c: SimCommand): void {
  if (c.kind === "connect") return void connect().catch((e: unknown) => send({ kind: "failed", error: String(e) }));
  if (c.kind === "kill") return kill(c.node);
  if (c.kind === "sync") return void (tally(), send({ kind: "synced" }));
}

process.on("message", (m) => command(m as SimCommand));
setInterval(tally, 100);
send({ kind: "ready" });
