/**
 * bench/zeus_scale.ts's simulated fleet split over several processes (sim_proc.ts each):
 * one process sending 5 000 emperors' heartbeats and answers was itself up to 398 ms late,
 * which the bench then measured as zeus's lateness. The parent starts them, sends commands
 * over IPC and adds up their tallies; each process' own timer lag is kept apart.
 *
 * @module
 */
import { resolve } from "node:path";
import type { Subprocess } from "bun";
import type { CertPair } from "../../lib/certs/certs.ts";
import { emptyFleet, type SimFleet } from "./sim_emperor.ts";

/** What a simulator process is given (in its environment, SIM_SPEC). */
export interface SimSpec {
  host: string;
  port: number;
  /** Its emperors are e{first}..e{first+count-1}. */
  first: number;
  count: number;
  maxVassals: number;
  rejectRate: number;
  heartbeatMs: number;
  /** TLS=1: the CA its emperors' client certificates are issued by (each names its emperor), and zeus's server certificate is checked against. */
  tlsCa?: CertPair;
}

/** A command to a simulator process. */
export type SimCommand = { kind: "connect" } | { kind: "kill"; node: string } | { kind: "sync" };

/** What a simulator process sends back. */
export type SimReport =
  | { kind: "ready" }
  | { kind: "connected" }
  | { kind: "synced" }
  | { kind: "failed"; error: string }
  | { kind: "killed"; node: string; copies: number }
  | { kind: "tally"; fleet: SimFleet; lagMs: number };

/** One process and what it last reported. */
interface Child {
  proc: Subprocess;
  first: number;
  count: number;
  fleet: SimFleet;
  lagMs: number;
  waiting: Map<string, (r: SimReport) => void>;
}

/**
 * Processes by emperors: one per 500 (at most 8), so that none sends more than ~600
 * heartbeats a second with their answers.
 *
 * @example
 * ```ts
 * defaultProcs(5000); // 8
 * ```
 */
export function defaultProcs(emperors: number): number {
  return Math.min(8, Math.max(1, Math.ceil(emperors / 500)));
}

/**
 * The simulated fleet: `procs` processes sharing `emperors` emperors.
 *
 * @example
 * ```ts
 * const sims = await SimProcs.start(2, 1000, { host: "127.0.0.1", port: 4040, maxVassals: 150, rejectRate: 0, heartbeatMs: 1000 });
 * await sims.connect();
 * console.log(sims.fleet().running, sims.lags());
 * sims.stop();
 * ```
 */
export class SimProcs {
  readonly #children: Child[];

  private constructor(children: Child[]) {
    this.#children = children;
  }

  /**
   * Starts the processes, each ready to take commands.
   *
   * @throws {Error} when a process ends before it says it is ready
   */
  static async start(procs: number, emperors: number, base: Omit<SimSpec, "first" | "count">): Promise<SimProcs> {
    const children: Child[] = [];
    const per = Math.ceil(emperors / procs);
    for (let first = 0; first < emperors; first += per) {
      const count = Math.min(per, emperors - first);
      children.push(spawnChild({ ...base, first, count }));
    }
    const sims = new SimProcs(children);
    await Promise.all(children.map((c) => sims.#await(c, "ready")));
    return sims;
  }

  /** Every process dials its emperors (a batch at a time), each heartbeating once connected; resolves when all have dialled. */
  async connect(): Promise<void> {
    await Promise.all(this.#children.map((c) => this.#ask(c, { kind: "connect" }, "connected")));
  }

  /** Closes emperor `index`'s connection for good, as a killed emperor; resolves with how many copies it held. */
  async kill(index: number): Promise<number> {
    const c = this.#children.find((x) => index >= x.first && index < x.first + x.count)!;
    const r = await this.#ask(c, { kind: "kill", node: `e${index}` }, "killed");
    return r.kind === "killed" ? r.copies : 0;
  }

  /** Asks every process for its tallies now: {@link fleet} is then exact. */
  async sync(): Promise<void> {
    await Promise.all(this.#children.map((c) => this.#ask(c, { kind: "sync" }, "synced")));
  }

  /** The fleet's tallies, summed over the processes' last reports (at most 100 ms old; see {@link sync}). */
  fleet(): SimFleet {
    const sum = emptyFleet(0);
    for (const { fleet: f } of this.#children) {
      sum.running += f.running;
      sum.rejected += f.rejected;
      sum.closed += f.closed;
      sum.spawned += f.spawned;
      sum.gaveUp += f.gaveUp;
      f.tcpWithin.forEach((n, i) => (sum.tcpWithin[i]! += n));
      f.upWithin.forEach((n, i) => (sum.upWithin[i]! += n));
    }
    return sum;
  }

  /** Each process' largest heartbeat timer lag so far, in ms. */
  lags(): number[] {
    return this.#children.map((c) => Math.round(c.lagMs));
  }

  /** The processes' ids (to read their CPU time). */
  pids(): number[] {
    return this.#children.map((c) => c.proc.pid);
  }

  /** How many processes. */
  get size(): number {
    return this.#children.length;
  }

  /** Ends every process (its emperors' connections close with it) and waits for them. */
  async stop(): Promise<void> {
    for (const c of this.#children) if (c.proc.exitCode === null) c.proc.kill("SIGTERM");
    await Promise.all(this.#children.map((c) => c.proc.exited));
  }

  #ask(c: Child, cmd: SimCommand, answer: SimReport["kind"]): Promise<SimReport> {
    const r = this.#await(c, answer);
    c.proc.send(cmd);
    return r;
  }

  #await(c: Child, answer: SimReport["kind"]): Promise<SimReport> {
    return new Promise((res, rej) => {
      c.waiting.set(answer, res);
      c.waiting.set("failed", (r) => rej(new Error(`simulator process ${c.proc.pid}: ${r.kind === "failed" ? r.error : r.kind}`)));
      void c.proc.exited.then((code) => rej(new Error(`simulator process ${c.proc.pid} exited ${code} while awaited for "${answer}"`)));
    });
  }
}

function spawnChild(spec: SimSpec): Child {
  const child: Child = {
    first: spec.first,
    count: spec.count,
    fleet: emptyFleet(spec.rejectRate),
    lagMs: 0,
    waiting: new Map(),
    proc: undefined as unknown as Subprocess,
  };
  child.proc = Bun.spawn([process.execPath, resolve(import.meta.dir, "sim_proc.ts")], {
    env: { ...process.env, SIM_SPEC: JSON.stringify(spec) },
    stdio: ["ignore", "inherit", "inherit"],
    serialization: "json",
    ipc: (m: SimReport) => {
      if (m.kind === "tally") return void Object.assign(child, { fleet: m.fleet, lagMs: m.lagMs });
      const w = child.waiting.get(m.kind);
      child.waiting.delete(m.kind);
      w?.(m);
    },
  });
  return child;
}
