/**
 * The fault suite's ring cases: each names a fault, prepares the ring for it (a fake clock,
 * a small disk) and applies it while the writer runs, then mends it. The runner
 * (runner.ts) heals whatever is left, waits for the ring to converge and checks.
 *
 * @module
 */
import { closeSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { errCode } from "../../lib/errors.ts";
import { SEGMENTS_DIR } from "../../lib/ring/listen/store.ts";
import type { Topology } from "./net.ts";
import type { FaultRing } from "./ring.ts";

/** What a case acts on while it runs. */
export interface CaseContext {
  net: Topology;
  ring: FaultRing;
  /** A seeded generator in [0, 1). */
  rng: () => number;
  /** Resolves once the writer has `n` acknowledgements. */
  acked(n: number): Promise<void>;
  /** Says what the fault did (kept in the run's record). */
  say(what: string): void;
}

/** One fault. */
export interface FaultCase {
  name: string;
  /** A few seconds: run by `make test` too. */
  quick?: boolean;
  /** Why it cannot run on this machine, if it cannot (checked on the live topology). */
  unavailable?(net: Topology): string | undefined;
  /** Before the nodes start. */
  setup?(ring: FaultRing): void;
  /** Applies and mends the fault while the writer runs. */
  run(ctx: CaseContext): Promise<void>;
}

const [A, B, C, D, E] = ["MV", "PA", "G", "LA", "S"] as const;

// A fault's duration: how long it holds, not a wait for a condition.
const hold = (ms: number) => Bun.sleep(ms);

const noNetem = (net: Topology) => (net.hasNetem() ? undefined : "the kernel has no tc netem (CONFIG_NET_SCH_NETEM)");

function partition(name: string, groups: string[][], ms: number, quick = false): FaultCase {
  return {
    name,
    quick,
    run: async (ctx) => {
      await ctx.acked(200);
      ctx.net.partition(groups);
      ctx.say(`${groups.map((g) => g.join(",")).join(" | ")} for ${ms / 1000} s`);
      await hold(ms);
      ctx.net.heal();
    },
  };
}

function signals(name: string, nodes: string[], how: "kill" | "stop", ms: number, quick = false): FaultCase {
  return {
    name,
    quick,
    run: async (ctx) => {
      await ctx.acked(200);
      if (how === "kill") await Promise.all(nodes.map((n) => ctx.ring.kill(n)));
      else for (const n of nodes) ctx.ring.signal(n, "SIGSTOP");
      ctx.say(`${how === "kill" ? "kill -9" : "SIGSTOP"} of ${nodes.join(",")} for ${ms / 1000} s`);
      await hold(ms);
      for (const n of nodes) how === "kill" ? ctx.ring.startNode(n) : ctx.ring.signal(n, "SIGCONT");
    },
  };
}

function shaping(name: string, spec: string, ms: number): FaultCase {
  return {
    name,
    unavailable: noNetem,
    run: async (ctx) => {
      await ctx.acked(100);
      for (const n of ctx.ring.names) ctx.net.netem(n, spec);
      ctx.say(`netem ${spec} on every node for ${ms / 1000} s`);
      await hold(ms);
      ctx.net.clearShaping();
    },
  };
}

/** Fills the filesystem of `dir` with one file; returns its path. */
function fill(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(1 << 20, 0x5a);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if (errCode(e) !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Flips one bit of `path` at a seeded position in its second half (past the headers); says where. */
function flipBit(path: string, rng: () => number): string {
  const size = statSync(path).size;
  const at = Math.floor(size / 2 + rng() * (size / 2 - 1));
  const bit = Math.floor(rng() * 8);
  const bytes = readFileSync(path);
  bytes[at] = bytes[at]! ^ (1 << bit);
  writeFileSync(path, bytes);
  return `byte ${at} of ${size} bit ${bit}`;
}

/** Cuts `path` at a seeded length between a half and the whole of it; says where. */
function truncate(path: string, rng: () => number): string {
  const size = statSync(path).size;
  const keep = Math.floor(size / 2 + rng() * (size / 2));
  truncateSync(path, keep);
  return `cut from ${size} to ${keep} bytes`;
}

function damage(name: string, file: (ring: FaultRing) => string, how = flipBit): FaultCase {
  return {
    name,
    run: async (ctx) => {
      await ctx.acked(300);
      await ctx.ring.kill(C);
      const path = file(ctx.ring);
      ctx.say(`G killed, ${path.slice(ctx.ring.ring.dir.length + 1)}: ${how(path, ctx.rng)}, G restarted`);
      ctx.ring.startNode(C);
    },
  };
}

/** Every ring case, in the order of the results table. */
export const RING_CASES: FaultCase[] = [
  partition("partition one node", [[A], [B, C, D, E]], 5000, true),
  partition(
    "partition 2|3",
    [
      [A, B],
      [C, D, E],
    ],
    5000,
  ),
  partition(
    "partition bridge",
    [
      [A, B, C],
      [C, D, E],
    ],
    5000,
  ),
  {
    name: "partition flapping",
    run: async (ctx) => {
      await ctx.acked(100);
      for (let i = 0; i < 8; i++) {
        ctx.net.partition(
          i % 2
            ? [
                [A, C, E],
                [B, D],
              ]
            : [
                [A, B],
                [C, D, E],
              ],
        );
        await hold(700);
        ctx.net.heal();
        await hold(300);
      }
      ctx.say("2|3 splits changing every second, 8 times");
    },
  },
  {
    name: "loss 20%",
    run: async (ctx) => {
      await ctx.acked(100);
      const netem = ctx.net.hasNetem();
      for (const n of ctx.ring.names) netem ? ctx.net.netem(n, "loss 20%") : ctx.net.nftLoss(n, 20);
      ctx.say(`20% of packets dropped on every node (${netem ? "netem" : "nftables"}) for 6 s`);
      await hold(6000);
      ctx.net.clearShaping();
    },
  },
  shaping("delay 100±50 ms + loss 20%", "loss 20% delay 100ms 50ms", 6000),
  shaping("reorder", "delay 20ms reorder 25% 50%", 6000),
  shaping("duplicate", "duplicate 10%", 6000),
  signals("kill -9 one", [C], "kill", 2000, true),
  signals("kill -9 two", [B, D], "kill", 2000),
  signals("kill -9 all", [A, B, C, D, E], "kill", 2000),
  signals("SIGSTOP one", [C], "stop", 4000, true),
  signals("SIGSTOP two", [B, D], "stop", 4000),
  signals("SIGSTOP all", [A, B, C, D, E], "stop", 4000),
  {
    name: "clock jump on one node",
    setup: (ring) => void ring.fakeClock(C),
    run: async (ctx) => {
      const file = join(ctx.ring.ring.dir, `clock-${C}`);
      await ctx.acked(200);
      writeFileSync(file, "+60s\n");
      await hold(3000);
      writeFileSync(file, "-60s\n");
      await hold(3000);
      writeFileSync(file, "+0\n");
      ctx.say("G's wall clock stepped +60 s, then -120 s, then +60 s (libfaketime), 3 s apart");
    },
  },
  {
    name: "disk full on one node",
    setup: (ring) => void ring.smallDisk(C, 32),
    run: async (ctx) => {
      await ctx.acked(200);
      const filler = fill(ctx.ring.stateDir(C));
      ctx.say("G's state dir (32 MiB tmpfs) filled for 4 s, then freed");
      await hold(4000);
      rmSync(filler);
    },
  },
  damage("bit flip in journal", (ring) => join(ring.stateDir(C), "journal")),
  damage("bit flip in store.db", (ring) => join(ring.stateDir(C), "store.db")),
  damage("bit flip in a store segment", (ring) => newestSegment(ring.stateDir(C))),
  damage("bit flip in access.log", (ring) => join(ring.logDir(C), "access.log")),
  damage("journal truncated", (ring) => join(ring.stateDir(C), "journal"), truncate),
  damage("access.log truncated", (ring) => join(ring.logDir(C), "access.log"), truncate),
];

/** The newest of the store's segment files in `stateDir` (its messages). */
function newestSegment(stateDir: string): string {
  const dir = join(stateDir, SEGMENTS_DIR);
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(".seg"))
    .sort();
  if (names.length === 0) throw new Error(`no segment file in ${dir}: the node stored no message`);
  return join(dir, names.at(-1)!);
}
