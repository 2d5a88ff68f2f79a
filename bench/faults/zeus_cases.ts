/**
 * The fault suite's zeus cases: zeus, emperors (and etcd) each in its own network
 * namespace, six one-copy vassals, and a sampler that asks every emperor each second what
 * it runs and counts the samples in which a one-copy vassal ran twice.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, type Proc, start, tmpDir, waitFor } from "../../tests/helpers/procs.ts";
import { sleeper, writeVassals } from "../../tests/e2e/_zeus.ts";
import { Topology } from "./net.ts";
import { LIBFAKETIME } from "./ring.ts";

/** One zeus run's outcome. */
export interface ZeusRunResult {
  name: string;
  seed: number;
  /** No second copy seen, and one copy of each vassal at the end. */
  clean: boolean;
  outcome: string;
}

/** A zeus case. */
export interface ZeusCase {
  name: string;
  quick?: boolean;
  run(seed: number): Promise<ZeusRunResult>;
}

const VASSALS = 6;
// A fault's duration or the sampler's period: how long something holds, not a wait for a condition.
const hold = (ms: number) => Bun.sleep(ms);

/** Zeus, emperors and maybe etcd in namespaces. */
class Fleet {
  readonly procs = new Map<string, Proc>();
  readonly dir = tmpDir("zeus-faults-");
  readonly vassals = join(this.dir, "vassals");

  constructor(readonly net: Topology) {
    mkdirSync(this.vassals);
    const files: Record<string, string> = {};
    for (let i = 0; i < VASSALS; i++) files[`v${i}.toml`] = sleeper();
    writeVassals(this.vassals, files);
  }

  /** Processes whose wall clock reads its offset from a file (libfaketime), by namespace name. */
  readonly clocks = new Map<string, string>();

  run(name: string, argv: string[]): Proc {
    const clock = this.clocks.get(name);
    const env = clock
      ? ["env", `LD_PRELOAD=${LIBFAKETIME}`, `FAKETIME_TIMESTAMP_FILE=${clock}`, "FAKETIME_NO_CACHE=1", "FAKETIME_DONT_FAKE_MONOTONIC=1"]
      : [];
    const [cmd, ...args] = this.net.wrap(name, [...env, ...argv]);
    const p = start(cmd!, args);
    this.procs.set(name, p);
    return p;
  }

  etcd(): void {
    const h = this.net.host("ETCD");
    this.run("ETCD", [
      "etcd",
      ...["--name", "f", "--data-dir", join(this.dir, "etcd"), "--log-level", "error"],
      ...["--listen-client-urls", `http://${h}:2379`, "--advertise-client-urls", `http://${h}:2379`],
      ...["--listen-peer-urls", `http://${h}:2380`, "--initial-advertise-peer-urls", `http://${h}:2380`],
      ...["--initial-cluster", `f=http://${h}:2380`],
    ]);
  }

  /**
   * Waits until the etcd of {@link etcd} answers: zeus refuses to start while its `--state`
   * etcd is unreachable, and on a loaded machine etcd may take longer to listen than zeus
   * takes to dial it (Z1 then exited at once and never led).
   */
  async etcdUp(): Promise<void> {
    const url = `http://${this.net.host("ETCD")}:2379/health`;
    await waitFor(
      async () => {
        try {
          return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
        } catch {
          return false;
        }
      },
      30_000,
      "etcd answering",
    );
  }

  zeus(name: string, state: string): void {
    const h = this.net.host(name);
    this.run(name, [
      bin("zeus"),
      "--listen",
      `${h}:4040`,
      "--vassals",
      this.vassals,
      "--stats",
      `${h}:4041`,
      "--dead-after",
      "2",
      "--state",
      state,
    ]);
  }

  emperor(name: string, zeus: string[]): void {
    const h = this.net.host(name);
    const dial = zeus.flatMap((z) => ["--emperor", `zeus:${this.net.host(z)}:4040`]);
    const state = join(this.dir, name);
    mkdirSync(state);
    this.run(name, [
      bin("emperor"),
      ...dial,
      "--node",
      name.toLowerCase(),
      "--state-dir",
      state,
      "--heartbeat",
      "0.3",
      "--stats",
      `${h}:4042`,
    ]);
  }

  async json(name: string, port: number): Promise<any> {
    try {
      const res = await fetch(`http://${this.net.host(name)}:${port}/status`, { signal: AbortSignal.timeout(1000) });
      return await res.json();
    } catch {
      return undefined;
    }
  }

  /** Vassal → the emperors running a copy now (emperors that do not answer count as running nothing). */
  async copies(emperors: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const e of emperors) {
      const s = await this.json(e, 4042);
      for (const v of s?.vassals ?? []) if (v.pid) out.set(v.name, [...(out.get(v.name) ?? []), e]);
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const p of this.procs.values()) {
      try {
        process.kill(p.pid, "SIGCONT");
        process.kill(p.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await Promise.race([Promise.all([...this.procs.values()].map((p) => p.exited)), hold(8000)]);
    for (const p of this.procs.values()) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

/** Samples every second until stopped: how often a vassal ran twice, and where. */
function sampler(fleet: Fleet, emperors: string[]) {
  let on = true;
  let samples = 0;
  let twice = 0;
  const doubled: string[] = [];
  const loop = (async () => {
    while (on) {
      samples++;
      const found = [...(await fleet.copies(emperors))].filter(([, where]) => where.length > 1);
      if (found.length) twice++;
      for (const [name, where] of found) doubled.push(`${name} on ${where.join("+")}`);
      await hold(1000);
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return { samples, twice, doubled };
    },
  };
}

/** Waits until every vassal runs exactly once; returns the seconds it took (undefined: not within 30 s). */
async function steady(fleet: Fleet, emperors: string[]): Promise<number | undefined> {
  const t = performance.now();
  try {
    await waitFor(
      async () => {
        const c = await fleet.copies(emperors);
        return c.size === VASSALS && [...c.values()].every((w) => w.length === 1);
      },
      30_000,
      "one copy of every vassal",
    );
    return (performance.now() - t) / 1000;
  } catch {
    return undefined;
  }
}

async function withFleet(names: string[], body: (f: Fleet) => Promise<ZeusRunResult>): Promise<ZeusRunResult> {
  const net = Topology.create(names);
  const fleet = new Fleet(net);
  try {
    return await body(fleet);
  } finally {
    await fleet.stop();
    net.destroy();
  }
}

function verdict(
  name: string,
  seed: number,
  seen: { samples: number; twice: number; doubled: string[] },
  settle: number | undefined,
  more = "",
): ZeusRunResult {
  const twice = seen.twice;
  const where = twice ? ` (${[...new Set(seen.doubled)].slice(0, 3).join(", ")})` : "";
  const end = settle === undefined ? "NOT one copy each within 30 s of healing" : `one copy each ${settle.toFixed(1)} s after healing`;
  return {
    name,
    seed,
    clean: twice === 0 && settle !== undefined && !more,
    outcome: `${twice} of ${seen.samples} samples with a second copy${where}; ${end}${more ? `; ${more}` : ""}`,
  };
}

const EMPERORS = ["E1", "E2", "E3"];

/** etcd, Z1 leading, Z2 standing by, the emperors dialling both; returns once every vassal runs once. */
async function leaderAndStandby(f: Fleet): Promise<void> {
  f.etcd();
  await f.etcdUp();
  const url = `etcd://${f.net.host("ETCD")}:2379/zf`;
  f.zeus("Z1", url);
  await waitFor(async () => (await f.json("Z1", 4041))?.ha?.role === "leader", 30_000, "Z1 leading");
  f.zeus("Z2", url);
  for (const e of EMPERORS) f.emperor(e, ["Z1", "Z2"]);
  await steady(f, EMPERORS);
}

/** Every zeus case. */
export const ZEUS_CASES: ZeusCase[] = [
  {
    name: "emperor cut from zeus past --dead-after",
    run: (seed) =>
      withFleet(["Z1", ...EMPERORS], async (f) => {
        f.zeus("Z1", join(f.dir, "state.json"));
        for (const e of EMPERORS) f.emperor(e, ["Z1"]);
        await steady(f, EMPERORS);
        const s = sampler(f, EMPERORS);
        f.net.partition([["Z1"], ["E1"]]);
        await hold(6000);
        f.net.heal();
        const settle = await steady(f, EMPERORS);
        return verdict("emperor cut from zeus past --dead-after", seed, await s.stop(), settle);
      }),
  },
  {
    name: "clock steps on zeus and an emperor",
    run: (seed) =>
      withFleet(["Z1", ...EMPERORS], async (f) => {
        const clock = join(f.dir, "clock");
        writeFileSync(clock, "+0\n");
        f.clocks.set("Z1", clock);
        f.clocks.set("E1", clock);
        f.zeus("Z1", join(f.dir, "state.json"));
        for (const e of EMPERORS) f.emperor(e, ["Z1"]);
        await steady(f, EMPERORS);
        const s = sampler(f, EMPERORS);
        for (const step of ["+60s", "-60s", "+0"]) {
          writeFileSync(clock, `${step}\n`);
          await hold(3000);
        }
        const settle = await steady(f, EMPERORS);
        const lost = (
          f.procs
            .get("Z1")!
            .stderr()
            .match(/emperor \S+ lost/g) ?? []
        ).length;
        return verdict(
          "clock steps on zeus and an emperor",
          seed,
          await s.stop(),
          settle,
          lost ? `zeus declared ${lost} emperors lost` : "",
        );
      }),
  },
  {
    name: "leader cut from etcd, not from its emperors",
    run: (seed) =>
      withFleet(["ETCD", "Z1", "Z2", ...EMPERORS], async (f) => {
        await leaderAndStandby(f);
        const s = sampler(f, EMPERORS);
        f.net.partition([["Z1"], ["ETCD"]]);
        await waitFor(async () => (await f.json("Z2", 4041))?.ha?.role === "leader", 30_000, "Z2 taking over");
        await hold(3000);
        f.net.heal();
        const settle = await steady(f, EMPERORS);
        return verdict("leader cut from etcd, not from its emperors", seed, await s.stop(), settle);
      }),
  },
  {
    name: "leader cut from etcd just after an emperor went silent",
    quick: true,
    run: (seed) =>
      withFleet(["ETCD", "Z1", "Z2", ...EMPERORS], async (f) => {
        await leaderAndStandby(f);
        const live = ["E1", "E2"];
        const s = sampler(f, live);
        // E3 dies silently (a killed process's connection would close at once).
        process.kill(f.procs.get("E3")!.pid, "SIGSTOP");
        // Inside the 2 s the leader waits before it declares E3 dead: it moves E3's
        // vassals while it can still prove its lease, and cannot save where they went.
        await hold(1200);
        f.net.partition([["Z1"], ["ETCD"]]);
        await waitFor(async () => (await f.json("Z2", 4041))?.ha?.role === "leader", 30_000, "Z2 taking over");
        const settle = await steady(f, live);
        await hold(3000);
        f.net.heal();
        const destroyed = (
          f.procs
            .get("Z2")!
            .stderr()
            .match(/runs an extra copy/g) ?? []
        ).length;
        const adopted = (
          f.procs
            .get("Z2")!
            .stderr()
            .match(/in place of the restored copy/g) ?? []
        ).length;
        const more = destroyed ? `the new leader destroyed ${destroyed} live copies as extra` : "";
        const r = verdict("leader cut from etcd just after an emperor went silent", seed, await s.stop(), settle, more);
        return { ...r, outcome: `${r.outcome}; the new leader kept ${adopted} copies moved but not saved by the old one` };
      }),
  },
];
