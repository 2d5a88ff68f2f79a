/**
 * The comparison: a five-server nats-server cluster on loopback (routes between five
 * processes, Debian's nats-server), driven by the official clients (`@nats-io/transport-node`,
 * `@nats-io/jetstream`; they superseded the `nats` package). JetStream: a
 * stream of 5 replicas on file storage, each publish acknowledged by the stream; core NATS:
 * one subscriber on each of the five servers, a PING/PONG flush as the acknowledgement.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type JetStreamClient, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Proc, start, tmpDir, waitFor } from "../../tests/helpers/procs.ts";
import { type BenchPki, benchPki } from "./bench_pki.ts";
import { type LoadResult, pipelined, type Sample, sample, until } from "./load.ts";
import { bytesUnder, cpuMsSince, cpuSnapshot } from "./procfs.ts";

/** Where Debian installs nats-server. */
export const NATS_SERVER = "/usr/sbin/nats-server";

const CLIENT_PORT = 4222;
const ROUTE_PORT = 6222;

/** nats-server's TLS settings for one server: its certificate, the CA, peers' certificates verified. */
function tlsBlock(pki: BenchPki, host: string): string {
  const { cert, key } = pki.cert(host);
  return `cert_file: "${cert}", key_file: "${key}", ca_file: "${pki.ca}", verify: true`;
}

/** How JetStream is published to: through the one connection to the stream's leader, or round robin over every server. */
export type Pattern = "one" | "rr";

/** A stream the bench publishes to: R5 or R3, what it was sent and a record's size in its blocks. */
interface Stream {
  name: string;
  subject: string;
  replicas: number;
  /** Index of the server leading the stream (where "one" publishes). */
  leader: number;
  sent: number;
  recordBytes: number;
}

/**
 * A running five-server cluster with JetStream.
 *
 * @example
 * ```ts
 * const c = await NatsCluster.start("127.4.20"); const s = await c.jetstream(20000, 64, payload); await c.stop();
 * ```
 */
export class NatsCluster {
  #conns: NatsConnection[] = [];
  #js: JetStreamClient[] = [];
  /** The R5 and R3 streams, by replica count. */
  #streams = new Map<number, Stream>();
  /** Core messages the five subscribers received so far (all five count). */
  #delivered = 0;

  private constructor(
    readonly procs: Proc[],
    readonly hosts: string[],
    readonly dir: string,
  ) {}

  /**
   * Starts five servers on `${prefix}.1-5` and waits until a JetStream R5 stream can be
   * created. With `tls`, clients and routes speak mutual TLS (certificates verified both ways).
   */
  static async start(prefix: string, size = 5, opts: { tls?: boolean } = {}): Promise<NatsCluster> {
    const dir = tmpDir("ring-bench-nats-");
    const hosts = Array.from({ length: size }, (_, i) => `${prefix}.${i + 1}`);
    const pki = opts.tls ? await benchPki(hosts, hosts) : undefined;
    const tls = pki ? (host: string) => `tls { ${tlsBlock(pki, host)} }` : undefined;
    const procs = hosts.map((host, i) => {
      const routes = hosts.filter((h) => h !== host).map((h) => `"nats://${h}:${ROUTE_PORT}"`);
      const conf = join(dir, `n${i}.conf`);
      writeFileSync(
        conf,
        [
          `server_name: n${i}`,
          `listen: "${host}:${CLIENT_PORT}"`,
          tls?.(host) ?? "",
          `jetstream { store_dir: "${join(dir, `n${i}`)}" }`,
          `cluster { name: bench, listen: "${host}:${ROUTE_PORT}", routes: [${routes.join(", ")}]${tls ? `, ${tls(host)}` : ""} }`,
        ].join("\n"),
      );
      return start(NATS_SERVER, ["-c", conf]);
    });
    const c = new NatsCluster(procs, hosts, dir);
    const clientTls = pki ? { caFile: pki.ca, certFile: pki.client.cert, keyFile: pki.client.key } : undefined;
    for (const host of hosts) {
      const nc = await waitFor(
        () => connect({ servers: `${host}:${CLIENT_PORT}`, noRandomize: true, tls: clientTls }).catch(() => undefined),
        20_000,
        `nats-server on ${host}`,
      );
      c.#conns.push(nc);
      c.#js.push(jetstream(nc));
    }
    for (const nc of c.#conns) nc.subscribe("bench.core", { callback: () => void c.#delivered++ });
    // Interest travels over the routes: wait until a publish on any server reaches all five.
    await waitFor(
      async () => {
        const before = c.#delivered;
        for (const nc of c.#conns) nc.publish("bench.core", new Uint8Array(1));
        await Promise.all(c.#conns.map((nc) => nc.flush()));
        await Bun.sleep(50);
        return c.#delivered - before === size * size;
      },
      20_000,
      "core NATS interest on every server",
    );
    for (const replicas of new Set([size, Math.min(3, size)])) await c.#addStream(replicas);
    return c;
  }

  /** Creates stream BENCH<replicas> and learns which server leads it. */
  async #addStream(replicas: number): Promise<void> {
    const name = `BENCH${replicas}`;
    const config = { name, subjects: [`bench.js${replicas}`], storage: StorageType.File, num_replicas: replicas };
    // Until the meta leader is elected, even the manager's account lookup times out.
    const jsm = await waitFor(
      () =>
        jetstreamManager(this.#conns[0]!)
          .then((m) => m.streams.add(config).then(() => m))
          .catch(() => undefined),
      30_000,
      `the JetStream meta leader (stream ${name}, ${replicas} replicas)`,
    );
    const leaderName = await waitFor(
      () =>
        jsm.streams
          .info(name)
          .then((i) => i.cluster?.leader)
          .catch(() => undefined),
      30_000,
      `stream ${name}'s leader`,
    );
    const leader = Number(leaderName.slice(1));
    this.#streams.set(replicas, { name, subject: `bench.js${replicas}`, replicas, leader, sent: 0, recordBytes: 0 });
  }

  /** The replica counts of the streams (5 and 3 for five servers). */
  get replicaCounts(): number[] {
    return [...this.#streams.keys()];
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid);
  }

  /** Bytes of a stream's message blocks held by each server (0 where it has no replica). */
  #stored(st: Stream): number[] {
    return this.hosts.map((_, i) => bytesUnder(join(this.dir, `n${i}`, "jetstream", "$G", "streams", st.name, "msgs"), ".blk"));
  }

  /** True when `replicas` servers hold at least `bytes` of the stream. */
  #allHold(st: Stream, bytes: number): boolean {
    return this.#stored(st).filter((x) => x >= bytes).length >= st.replicas;
  }

  /** The publish of message `k` by `pattern`. */
  #publisher(st: Stream, pattern: Pattern, payload: Uint8Array): (k: number) => Promise<unknown> {
    if (pattern === "one") {
      const js = this.#js[st.leader]!;
      return () => js.publish(st.subject, payload);
    }
    return (k) => this.#js[k % this.#js.length]!.publish(st.subject, payload);
  }

  /** Warms every stream with `n` messages (learning a record's size) and core NATS with `n`. */
  async warm(n: number, payload: Uint8Array): Promise<void> {
    for (const st of this.#streams.values()) {
      await pipelined(n, 64, this.#publisher(st, "rr", payload));
      st.sent += n;
      let last = -1;
      await waitFor(
        async () => {
          const held = this.#stored(st)
            .filter((x) => x > 0)
            .sort((a, b) => b - a);
          const top = held[st.replicas - 1] ?? 0;
          const same = held.length >= st.replicas && held[0] === top && top > 0 && top === last;
          last = top;
          await Bun.sleep(100); // a sampling interval: the replicas' block files are read on disk
          return same;
        },
        30_000,
        `the ${st.replicas} replicas of ${st.name} after the warm-up`,
      );
      st.recordBytes = last / st.sent;
    }
    await this.core(n, 64, payload);
  }

  /**
   * `n` acknowledged publishes to the R`replicas` stream, `window` in flight, through the
   * stream leader's connection ("one", how most JetStream clients publish: no hop to the
   * leader) or round robin over the servers ("rr").
   */
  async jetstream(n: number, window: number, payload: Uint8Array, replicas = 5, pattern: Pattern = "rr"): Promise<Sample> {
    const st = this.#streams.get(replicas);
    if (!st) throw new RangeError(`no stream of ${replicas} replicas (have ${this.replicaCounts.join(", ")})`);
    const cpu0 = cpuSnapshot(this.pids);
    const started = performance.now();
    const r = await pipelined(n, window, this.#publisher(st, pattern, payload));
    st.sent += n;
    const want = st.sent * st.recordBytes;
    await until(() => this.#allHold(st, want), 120_000, `every ${st.name} replica`);
    return sample(n, r, performance.now() - started, cpuMsSince(cpu0, this.pids));
  }

  /** `n` core publishes (each followed by a flush: PING/PONG), delivered to the subscriber on each server. */
  async core(n: number, window: number, payload: Uint8Array): Promise<Sample> {
    const want = this.#delivered + n * this.#conns.length;
    const cpu0 = cpuSnapshot(this.pids);
    const started = performance.now();
    const r = await pipelined(n, window, (k) => {
      const nc = this.#conns[k % this.#conns.length]!;
      nc.publish("bench.core", payload);
      return nc.flush();
    });
    await until(() => this.#delivered >= want, 120_000, "every core NATS subscriber");
    return sample(n, r, performance.now() - started, cpuMsSince(cpu0, this.pids));
  }

  /**
   * `n` core request/reply round trips, one at a time: requests from server `from`'s
   * connection, a responder on server `to` answering each with its own payload.
   */
  async requestReply(n: number, from: number, to: number, payload: Uint8Array): Promise<LoadResult> {
    const sub = this.#conns[to]!.subscribe("bench.req", { callback: (_err, msg) => void msg.respond(msg.data) });
    await this.#conns[to]!.flush();
    // The responder's interest travels over the routes: wait until a request gets through.
    await waitFor(
      () =>
        this.#conns[from]!.request("bench.req", payload, { timeout: 500 }).then(
          () => true,
          () => false,
        ),
      20_000,
      "a NATS responder",
    );
    const r = await pipelined(n, 1, () => this.#conns[from]!.request("bench.req", payload, { timeout: 5000 }));
    sub.unsubscribe();
    return r;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#conns.map((nc) => nc.close().catch(() => {})));
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
