/**
 * A simulated emperor for bench/zeus_scale.ts: one real TCP connection to a real zeus,
 * speaking the real Zeus protocol (lib/zeus_protocol) as an emperor does — I_AM_ALIVE and
 * its report, ACCEPTED_VASSAL, the config's chunks, VASSAL_SPAWNED and VASSAL_STATE,
 * VASSAL_DESTROYED, heartbeats, rejections at a given rate — without starting processes.
 *
 * @module
 */
import type { Socket } from "bun";
import { backoffMs } from "../../lib/net/mod.ts";
import { encodePacket, PacketDecoder, ZEUS_MODIFIER1 } from "../../lib/packet/mod.ts";
import {
  ConfigAssembler,
  decodeMessage,
  encodeMessage,
  ONLY_ZEUS_HANDSHAKE_MS,
  reportMessages,
  type ZeusMessage,
} from "../../lib/zeus_protocol/mod.ts";

/** What every simulated emperor shares: the tallies the bench reads. */
export interface SimFleet {
  /** Copies running on simulated emperors now. */
  running: number;
  rejected: number;
  /** Connections zeus closed or refused. */
  closed: number;
  /** The fraction of offers refused (0..1). */
  rejectRate: number;
  /** Configs received and "spawned" (a restart of a running copy counts too). */
  spawned: number;
  /** Dials given up because the TLS handshake was not done in time once connected (25 s, as an emperor with one zeus: ONLY_ZEUS_HANDSHAKE_MS). */
  gaveUp: number;
  /** Dials whose TCP connection was up within each of {@link WAIT_BOUNDS_S} (the last: later), from the dial. */
  tcpWithin: number[];
  /** Dials up (TLS: handshake done; plain: TCP connected) within each of {@link WAIT_BOUNDS_S}, from the dial. */
  upWithin: number[];
}

/** The bounds (seconds) of the dial waits counted in {@link SimFleet}: within 1 s, 2 s, ..., over 20 s. */
export const WAIT_BOUNDS_S = [1, 2, 5, 10, 20, Number.POSITIVE_INFINITY];

/**
 * A fleet's tallies, all zero.
 *
 * @example
 * ```ts
 * const fleet = emptyFleet(0.1); // 10 % of offers refused
 * ```
 */
export function emptyFleet(rejectRate: number): SimFleet {
  const waits = () => WAIT_BOUNDS_S.map(() => 0);
  return { running: 0, rejected: 0, closed: 0, rejectRate, spawned: 0, gaveUp: 0, tcpWithin: waits(), upWithin: waits() };
}

/** Counts a wait of `ms` in its bucket of `within`. */
function countWait(within: number[], ms: number): void {
  within[WAIT_BOUNDS_S.findIndex((b) => ms < b * 1000)]!++;
}


let nextPid = 100_000;

/**
 * One simulated emperor.
 *
 * @example
 * ```ts
 * const e = new SimEmperor("e1", 100, emptyFleet(0));
 * await e.connect("127.0.0.1", 4040);
 * e.heartbeat();
 * ```
 */
export class SimEmperor {
  readonly vassals = new Map<string, number>();
  /** The digest of the config each copy runs, reported when it dials again. */
  readonly #shas = new Map<string, string>();
  #socket: Socket<undefined> | undefined;
  #decoder = new PacketDecoder({ modifier1: ZEUS_MODIFIER1, family: "Zeus" });
  #chunks = new ConfigAssembler();
  #pending: Uint8Array[] = [];
  /** Where to dial again when the connection ends (as a real emperor redials); unset by kill(). */
  #redial: { host: string; port: number } | undefined;
  /** Failed dials in a row, for the backoff; and when the current connection came up. */
  #attempts = 0;
  #since = 0;

  constructor(
    readonly node: string,
    readonly maxVassals: number,
    readonly fleet: SimFleet,
    /** Mutual TLS: its client certificate (naming it) and key, and the CA zeus's certificate is checked against. */
    readonly tls?: { cert: string; key: string; ca: string },
  ) {}

  /** Whether its connection is open. */
  get connected(): boolean {
    return this.#socket !== undefined;
  }

  /**
   * Dials zeus and introduces itself (I_AM_ALIVE, then the report of what it runs).
   *
   * @throws {Error} when the dial fails
   */
  async connect(host: string, port: number): Promise<void> {
    if (this.#redial?.host !== host || this.#redial.port !== port) this.#redial = { host, port };
    this.#decoder = new PacketDecoder({ modifier1: ZEUS_MODIFIER1, family: "Zeus" });
    this.#chunks = new ConfigAssembler();
    let up = !this.tls;
    const dialled = performance.now();
    const socket = await Bun.connect({
      hostname: host,
      port,
      ...(this.tls ? { tls: this.tls } : {}),
      socket: {
        data: (_s, data) => this.#data(data),
        drain: () => this.#flush(),
        handshake: (_s, ok) => {
          up = ok;
          if (ok) countWait(this.fleet.upWithin, performance.now() - dialled);
        },
        close: (sock) => void (sock === this.#socket && this.#closed()),
        error: (sock) => void (sock === this.#socket && this.#closed()),
      },
    });
    this.#socket = socket;
    this.#since = performance.now();
    countWait(this.fleet.tcpWithin, this.#since - dialled);
    if (!this.tls) countWait(this.fleet.upWithin, this.#since - dialled);
    // What is written before the handshake is sent after it (Bun keeps it: write() returns 0, then drain).
    // A dial not up in time (its handshake not done) is given up and dialled again, as an
    // emperor's with a single zeus: 25 s for the handshake once connected (lib/zeus_protocol/dial_patience.ts).
    setTimeout(() => {
      if (up || this.#socket !== socket) return;
      this.fleet.gaveUp++;
      socket.terminate();
    }, ONLY_ZEUS_HANDSHAKE_MS);
    this.heartbeat();
    const report = [...this.vassals].map(([name, pid]) => ({ name, pid, restarts: 0, sha256: this.#shas.get(name) ?? "0".repeat(64) }));
    for (const m of reportMessages(report)) this.#send(m);
  }

  /** Sends I_AM_ALIVE. */
  heartbeat(): void {
    this.#send({ type: "I_AM_ALIVE", node: this.node, maxVassals: this.maxVassals, runningVassals: this.vassals.size });
  }

  /** Closes the connection as a killed emperor would: its copies are gone, it does not dial again. */
  kill(): void {
    this.#redial = undefined;
    this.#socket?.terminate();
    this.#closed();
    this.fleet.running -= this.vassals.size;
    this.vassals.clear();
  }

  /** The connection ended (zeus closed it, refused it, or died): its copies keep running, it dials again. */
  #closed(): void {
    if (!this.#socket) return;
    this.#socket = undefined;
    // As an emperor's link: a connection that lasted resets the backoff, one refused at once does not.
    if (performance.now() - this.#since > 2000) this.#attempts = 0;
    this.#pending = [];
    this.fleet.closed++;
    if (this.#redial) this.#dialAgain(this.#redial);
  }

  /**
   * Dials again after an emperor's backoff (250 ms doubling to 2 s, lib/emperor/zeus_link.ts),
   * less up to half of it at random so that 5 000 emperors are not in step (each failed dial
   * counts as closed), unless killed meanwhile.
   */
  #dialAgain(to: { host: string; port: number }): void {
    setTimeout(
      () => {
        if (this.#redial !== to || this.#socket) return;
        this.connect(to.host, to.port).catch(() => {
          this.fleet.closed++;
          this.#dialAgain(to);
        });
      },
      backoffMs(this.#attempts++, { firstMs: 250, maxMs: 2000, jitter: 0.5 }),
    );
  }

  #send(m: ZeusMessage): void {
    const bytes = encodePacket(encodeMessage(m));
    if (this.#pending.length > 0) return void this.#pending.push(bytes);
    const n = this.#socket?.write(bytes) ?? bytes.byteLength;
    if (n < bytes.byteLength) this.#pending.push(bytes.subarray(n));
  }

  #flush(): void {
    while (this.#pending.length > 0 && this.#socket) {
      const b = this.#pending[0]!;
      const n = this.#socket.write(b);
      if (n < b.byteLength) return void (this.#pending[0] = b.subarray(n));
      this.#pending.shift();
    }
  }

  #data(data: Uint8Array): void {
    for (const p of this.#decoder.push(data)) this.#handle(decodeMessage(p, "zeus"));
  }

  #handle(m: ZeusMessage): void {
    switch (m.type) {
      case "NEW_VASSAL":
        if (this.vassals.size >= this.maxVassals || Math.random() < this.fleet.rejectRate) {
          this.fleet.rejected++;
          return this.#send({ type: "VASSAL_REJECTED", name: m.name, reason: "simulated rejection" });
        }
        this.#chunks.begin(m.name);
        return this.#send({ type: "ACCEPTED_VASSAL", name: m.name });
      case "VASSAL_UPDATE":
        return this.#chunks.begin(m.name);
      case "CONFIG_CHUNK":
        return void this.#chunks.chunk(m.name, m.body);
      case "CONFIG_END":
        return this.#spawn(m.name, m.sha256);
      case "VASSAL_RELOAD":
        return this.#send({ type: "VASSAL_RELOADED", name: m.name, pid: this.vassals.get(m.name) ?? 0, restarts: 0 });
      case "VASSAL_DESTROY":
        this.#shas.delete(m.name);
        if (this.vassals.delete(m.name)) this.fleet.running--;
        return this.#send({ type: "VASSAL_DESTROYED", name: m.name });
      default:
        return;
    }
  }

  #spawn(name: string, sha256: string): void {
    const r = this.#chunks.end(name, sha256);
    if (!r?.ok) return this.#send({ type: "VASSAL_REJECTED", name, reason: "config digest mismatch" });
    if (!this.vassals.has(name)) this.fleet.running++;
    this.fleet.spawned++;
    this.#shas.set(name, sha256);
    const pid = nextPid++;
    this.vassals.set(name, pid);
    this.#send({ type: "VASSAL_SPAWNED", name, pid, restarts: 0 });
    this.#send({ type: "VASSAL_STATE", name, state: "running", pid, restarts: 0 });
  }
}
