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
import { type LoadResult, pipelined, type Sample, sample, until } from "./load.ts";
import { bytesUnder, cpuMs } from "./procfs.ts";

/** Where Debian installs nats-server. */
export const NATS_SERVER = "/usr/sbin/nats-server";

const CLIENT_PORT = 4222;
const ROUTE_PORT = 6222;

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
  #jsSent = 0;
  /** Core messages the five subscribers received so far (all five count). */
  #delivered = 0;
  /** Bytes one message takes in a replica's block files (measured after the warm-up). */
  #recordBytes = 0;

  private constructor(
    readonly procs: Proc[],
    readonly hosts: string[],
    readonly dir: string,
  ) {}

  /** Starts five servers on `${prefix}.1-5` and waits until a JetStream R5 stream can be created. */
  static async start(prefix: string, size = 5): Promise<NatsCluster> {
    const dir = tmpDir("ring-bench-nats-");
    const hosts = Array.from({ length: size }, (_, i) => `${prefix}.${i + 1}`);
    const procs = hosts.map((host, i) => {
      const routes = hosts.filter((h) => h !== host).map((h) => `"nats://${h}:${ROUTE_PORT}"`);
      const conf = join(dir, `n${i}.conf`);
      writeFileSync(
        conf,
        [
          `server_name: n${i}`,
          `listen: "${host}:${CLIENT_PORT}"`,
          `jetstream { store_dir: "${join(dir, `n${i}`)}" }`,
          `cluster { name: bench, listen: "${host}:${ROUTE_PORT}", routes: [${routes.join(", ")}] }`,
        ].join("\n"),
      );
      return start(NATS_SERVER, ["-c", conf]);
    });
    const c = new NatsCluster(procs, hosts, dir);
    for (const host of hosts) {
      const nc = await waitFor(
        () => connect({ servers: `${host}:${CLIENT_PORT}`, noRandomize: true }).catch(() => undefined),
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
    const stream = { name: "BENCH", subjects: ["bench.js"], storage: StorageType.File, num_replicas: size };
    await waitFor(
      () =>
        jetstreamManager(c.#conns[0]!)
          .then((jsm) => jsm.streams.add(stream))
          .then(() => true)
          .catch(() => false),
      30_000,
      "the JetStream meta leader (stream BENCH, 5 replicas)",
    );
    return c;
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid);
  }

  /** Bytes of BENCH's message blocks held by each server. */
  #stored(): number[] {
    return this.hosts.map((_, i) => bytesUnder(join(this.dir, `n${i}`, "jetstream", "$G", "streams", "BENCH", "msgs"), ".blk"));
  }

  /** Learns a record's size: publishes `n` messages and waits for the replicas to agree. */
  async warm(n: number, payload: Uint8Array): Promise<void> {
    await pipelined(n, 64, (k) => this.#js[k % this.#js.length]!.publish("bench.js", payload));
    this.#jsSent += n;
    let last = -1;
    await waitFor(
      async () => {
        const s = this.#stored();
        const same = s.every((x) => x === s[0]) && s[0]! > 0 && s[0] === last;
        last = s[0]!;
        await Bun.sleep(100);
        return same;
      },
      30_000,
      "the five replicas after the warm-up",
    );
    this.#recordBytes = last / this.#jsSent;
    await this.core(n, 64, payload);
  }

  /** `n` acknowledged JetStream publishes, `window` in flight, round robin over the servers. */
  async jetstream(n: number, window: number, payload: Uint8Array): Promise<Sample> {
    const cpu0 = cpuMs(this.pids);
    const started = performance.now();
    const r = await pipelined(n, window, (k) => this.#js[k % this.#js.length]!.publish("bench.js", payload));
    this.#jsSent += n;
    const want = this.#jsSent * this.#recordBytes;
    await until(() => this.#stored().every((x) => x >= want), 120_000, "every JetStream replica");
    return sample(n, r, performance.now() - started, cpuMs(this.pids) - cpu0);
  }

  /** `n` core publishes (each followed by a flush: PING/PONG), delivered to the subscriber on each server. */
  async core(n: number, window: number, payload: Uint8Array): Promise<Sample> {
    const want = this.#delivered + n * this.#conns.length;
    const cpu0 = cpuMs(this.pids);
    const started = performance.now();
    const r = await pipelined(n, window, (k) => {
      const nc = this.#conns[k % this.#conns.length]!;
      nc.publish("bench.core", payload);
      return nc.flush();
    });
    await until(() => this.#delivered >= want, 120_000, "every core NATS subscriber");
    return sample(n, r, performance.now() - started, cpuMs(this.pids) - cpu0);
  }

  /**
   * `n` core request/reply round trips, one at a time: requests from server `from`'s
   * connection, a responder on server `to` answering each with its own payload.
   */
  async requestReply(n: number, from: number, to: number, payload: Uint8Array): Promise<LoadResult> {
    const sub = this.#conns[to]!.subscribe("bench.req", { callback: (_err, msg) => void msg.respond(msg.data) });
    await this.#conns[to]!.flush();
    // The responder's interest travels over the routes: wait until a request gets through.
    await waitFor(() => this.#conns[from]!.request("bench.req", payload, { timeout: 500 }).then(() => true, () => false), 20_000, "a NATS responder");
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
