// Property: whatever happens (files come and go, emperors crash, are cut off and come back,
// zeus is killed and restored),
// once everyone has reported no vassal runs more copies than asked, copies sit on distinct
// emperors, and every vassal that fits is fully placed; and the tick, which visits only the
// vassals a step or a change touched, leaves out none that may need it.
import { expect, test } from "bun:test";
import { configureSync, type LogRecord, resetSync } from "@logtape/logtape";
import fc from "fast-check";
import { sha256Hex, type ZeusMessage } from "../../lib/zeus_protocol/mod.ts";
import { Coordinator } from "../../lib/zeus/coordinator.ts";
import { mayNeedTick } from "../../lib/zeus/rolling.ts";

const NODES = ["e1", "e2", "e3", "e4"];
const body = (copies: number, edit: number) => new TextEncoder().encode(`[vassal]\ncommand = "/bin/true"\nnodes = ${copies}\n# ${edit}\n`);

type Cmd =
  | { op: "add"; file: number; copies: number }
  | { op: "edit"; file: number }
  | { op: "remove"; file: number }
  | { op: "connect"; node: number }
  | { op: "crash"; node: number }
  | { op: "cut"; node: number }
  | { op: "restart" }
  | { op: "tick" };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant("add" as const), file: fc.integer({ min: 0, max: 5 }), copies: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant("edit" as const), file: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ op: fc.constant("remove" as const), file: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ op: fc.constant("connect" as const), node: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant("crash" as const), node: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant("cut" as const), node: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ op: "restart" as const }),
  fc.constant({ op: "tick" as const }),
);

async function simulate(cmds: Cmd[]) {
  let nextConn = 0;
  const connOf = new Map<string, number>(); // node → live conn
  const nodeOf = new Map<number, string>();
  const runs = new Map<string, Map<string, string>>(NODES.map((n) => [n, new Map()])); // node → name → sha
  const files = new Map<string, Uint8Array>();
  const pending = new Map<string, Uint8Array[]>();
  let edits = 0;
  let now = 0;
  const io = {
    now: () => now,
    send: (conn: number, m: ZeusMessage) => queueMicrotask(() => reply(conn, m)),
    // zeus hung up (e.g. no I_AM_ALIVE for too long): the emperor keeps its vassals and redials later
    close: (conn: number) => {
      const node = nodeOf.get(conn)!;
      if (connOf.get(node) === conn) connOf.delete(node);
    },
    changed: () => {},
  };
  let core = new Coordinator(io, { deadAfterMs: 5000, settleMs: 0, maxRejections: 3 });
  /** zeus is killed and started with --restore: connections are gone, emperors keep running. */
  const restart = () => {
    const state = core.snapshot();
    connOf.clear();
    core = new Coordinator(io, { deadAfterMs: 5000, settleMs: 1000, maxRejections: 3 });
    core.restore(state);
    for (const [name, b] of files) core.fileSet(name, b);
    for (const name of [...core.vassals.keys()]) if (!files.has(name)) core.fileRemoved(name);
  };
  const reply = (conn: number, m: ZeusMessage) => {
    const node = nodeOf.get(conn);
    if (node === undefined || connOf.get(node) !== conn) return; // that connection is gone
    const mine = runs.get(node)!;
    const say = (r: ZeusMessage) => core.message(conn, r);
    if (m.type === "NEW_VASSAL") {
      pending.set(`${node}/${m.name}`, []);
      say({ type: "ACCEPTED_VASSAL", name: m.name });
    } else if (m.type === "VASSAL_UPDATE") pending.set(`${node}/${m.name}`, []);
    else if (m.type === "CONFIG_CHUNK") pending.get(`${node}/${m.name}`)?.push(m.body);
    else if (m.type === "CONFIG_END") {
      const had = mine.has(m.name);
      mine.set(m.name, m.sha256);
      say({ type: had ? "VASSAL_RELOADED" : "VASSAL_SPAWNED", name: m.name, pid: 1, restarts: 0 });
    } else if (m.type === "VASSAL_DESTROY") {
      mine.delete(m.name);
      say({ type: "VASSAL_DESTROYED", name: m.name });
    } else if (m.type === "VASSAL_RELOAD") say({ type: "VASSAL_RELOADED", name: m.name, pid: 1, restarts: 0 });
  };
  const connect = (node: string) => {
    if (connOf.has(node)) return;
    const conn = ++nextConn;
    connOf.set(node, conn);
    nodeOf.set(conn, node);
    const mine = runs.get(node)!;
    core.connOpened(conn, node);
    core.message(conn, { type: "I_AM_ALIVE", node, maxVassals: 4, runningVassals: mine.size });
    core.message(conn, { type: "VASSAL_REPORT", vassals: [...mine].map(([name, sha256]) => ({ name, pid: 1, restarts: 0, sha256 })) });
    core.message(conn, { type: "REPORT_END", count: mine.size });
  };
  const drop = (node: string) => {
    const conn = connOf.get(node);
    if (conn === undefined) return;
    connOf.delete(node);
    core.connClosed(conn);
  };
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  for (const c of cmds) {
    if (c.op === "add") files.set(`v${c.file}.toml`, body(c.copies, edits++));
    if (c.op === "add" || c.op === "edit") {
      const name = `v${c.file}.toml`;
      const text = new TextDecoder().decode(files.get(name) ?? body(1, 0));
      files.set(name, new TextEncoder().encode(text.replace(/# \d+/, `# ${edits++}`)));
      core.fileSet(name, files.get(name)!);
    }
    if (c.op === "remove" && files.delete(`v${c.file}.toml`)) core.fileRemoved(`v${c.file}.toml`);
    if (c.op === "connect") connect(NODES[c.node]!);
    if (c.op === "crash") {
      drop(NODES[c.node]!);
      runs.get(NODES[c.node]!)!.clear();
    }
    if (c.op === "cut") drop(NODES[c.node]!); // cut off: it keeps running its vassals
    if (c.op === "restart") restart();
    if (c.op === "tick") {
      now += 1500;
      core.tick();
    }
    await settle();
    for (const v of core.vassals.values()) expect(v.copiesOn.size).toBeLessThanOrEqual(v.copies);
    // The tick visits only the unsettled vassals: none that may need it is left out.
    for (const v of core.vassals.values()) if (mayNeedTick(v)) expect(core.unsettled.has(v)).toBe(true);
  }
  for (const n of NODES) connect(n);
  await settle();
  // Long enough for rolling updates to finish (each copy proves itself for min_healthy, 10 s, before the next).
  for (let i = 0; i < 25; i++) {
    now += 1500;
    for (const [node, conn] of connOf)
      core.message(conn, { type: "I_AM_ALIVE", node, maxVassals: 4, runningVassals: runs.get(node)!.size });
    core.tick();
    await settle();
  }
  for (const n of NODES) connect(n);
  await settle();
  return { core, runs, files };
}

test("property: once all emperors have reported, no vassal runs more copies than asked, and fewer only when the others are full, on distinct emperors, with its current config", async () => {
  // A well-behaved emperor never sends a copy an event its state does not expect.
  const unexpected: string[] = [];
  const sink = (r: LogRecord) =>
    void (r.level === "error" && String(r.message[0]).startsWith("protocol error") && unexpected.push(r.message.join("")));
  configureSync({
    reset: true,
    sinks: { test: sink },
    loggers: [
      { category: ["zeus", "coordinator"], lowestLevel: "error", sinks: ["test"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["test"] },
    ],
  });
  await fc.assert(
    fc.asyncProperty(fc.array(cmd, { maxLength: 40 }), async (cmds) => {
      const { core, runs, files } = await simulate(cmds);
      for (const [name, b] of files) {
        const where = NODES.filter((n) => runs.get(n)!.has(name));
        const v = core.vassals.get(name)!;
        expect(where.length).toBeLessThanOrEqual(v.copies);
        // short of copies only when every other emperor is full (4 slots each)
        if (where.length < v.copies) for (const n of NODES) if (!where.includes(n)) expect(runs.get(n)!.size).toBe(4);
        for (const n of where) expect(runs.get(n)!.get(name)).toBe(sha256Hex(b));
      }
      for (const n of NODES) for (const name of runs.get(n)!.keys()) expect(files.has(name)).toBe(true);
      expect(unexpected).toEqual([]);
    }),
    { numRuns: 300 },
  );
  resetSync();
});
