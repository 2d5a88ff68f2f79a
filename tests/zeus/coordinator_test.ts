import { expect, test } from "bun:test";
import { sha256Hex, type ZeusMessage } from "../../lib/zeus_protocol/mod.ts";
import { Coordinator } from "../../lib/zeus/coordinator.ts";
import { vassalRow } from "../../lib/zeus/zeus_status.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const plain = (extra = "") => enc(`[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\n${extra}`);

/** A coordinator with a fake clock, and fake emperors that answer as a well-behaved one would. */
function harness(opts: { settleMs?: number; autoReply?: boolean; arriving?: () => number } = {}) {
  let now = 1000;
  let nextPid = 100;
  const sent: { conn: number; m: ZeusMessage }[] = [];
  const closed: { conn: number; reason: string }[] = [];
  const runs = new Map<number, Map<string, number>>(); // conn → name → pid
  let changes = 0;
  const core: Coordinator = new Coordinator(
    {
      now: () => now,
      send: (conn, m) => {
        sent.push({ conn, m });
        if (opts.autoReply === false) return;
        queueMicrotask(() => reply(conn, m));
      },
      close: (conn, reason) => closed.push({ conn, reason }),
      changed: () => changes++,
      ...(opts.arriving ? { arriving: opts.arriving } : {}),
    },
    { deadAfterMs: 5000, settleMs: opts.settleMs ?? 0, maxRejections: 3 },
  );
  const reply = (conn: number, m: ZeusMessage) => {
    const mine = runs.get(conn);
    if (!mine) return;
    if (m.type === "NEW_VASSAL") core.message(conn, { type: "ACCEPTED_VASSAL", name: m.name });
    if (m.type === "CONFIG_END" && mine.has(m.name)) {
      core.message(conn, { type: "VASSAL_RELOADED", name: m.name, pid: mine.get(m.name)!, restarts: 0 });
    } else if (m.type === "CONFIG_END") {
      const pid = nextPid++;
      mine.set(m.name, pid);
      core.message(conn, { type: "VASSAL_SPAWNED", name: m.name, pid, restarts: 0 });
    }
    if (m.type === "VASSAL_DESTROY") {
      mine.delete(m.name);
      core.message(conn, { type: "VASSAL_DESTROYED", name: m.name });
    }
    if (m.type === "VASSAL_RELOAD") core.message(conn, { type: "VASSAL_RELOADED", name: m.name, pid: mine.get(m.name)!, restarts: 0 });
  };
  const connect = (conn: number, node: string, max = 100, report: { name: string; pid: number; sha256: string }[] = []) => {
    runs.set(conn, new Map(report.map((r) => [r.name, r.pid])));
    core.connOpened(conn, `127.0.0.1:${conn}`);
    core.message(conn, { type: "I_AM_ALIVE", node, maxVassals: max, runningVassals: report.length });
    core.message(conn, { type: "VASSAL_REPORT", vassals: report.map((r) => ({ ...r, restarts: 0 })) });
    core.message(conn, { type: "REPORT_END", count: report.length });
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    core,
    sent,
    closed,
    runs,
    connect,
    settle,
    changes: () => changes,
    advance: (ms: number) => {
      now += ms;
      core.tick();
    },
    crash: (conn: number) => {
      runs.delete(conn);
      core.connClosed(conn);
    },
    counts: () => [...runs.values()].map((m) => m.size),
  };
}

test("thirty vassals over three emperors run 10/10/10, each once", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.connect(2, "e2");
  h.connect(3, "e3");
  for (let i = 0; i < 30; i++) h.core.fileSet(`v${String(i).padStart(2, "0")}.toml`, plain());
  await h.settle();
  expect(h.counts()).toEqual([10, 10, 10]);
  expect([...h.core.vassals.values()].every((v) => [...v.copiesOn.values()].every((c) => c.state === "running"))).toBe(true);
});

test("a report of a state alone is one object shared by the copies it describes; pids and restarts stay each copy's own", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.core.fileSet("a.toml", plain());
  h.core.fileSet("b.toml", plain());
  await h.settle();
  h.core.message(1, { type: "VASSAL_STATE", name: "a.toml", state: "running", pid: 41, restarts: 2 });
  h.core.message(1, { type: "VASSAL_STATE", name: "b.toml", state: "running", pid: 42, restarts: 0 });
  const a = h.core.vassals.get("a.toml")!.copiesOn.get("e1")!;
  const b = h.core.vassals.get("b.toml")!.copiesOn.get("e1")!;
  expect(a.report).toBe(b.report!);
  expect(a.report).toEqual({ state: "running" });
  expect([a.pid, a.restarts, b.pid, b.restarts]).toEqual([41, 2, 42, 0]);
  h.core.message(1, {
    type: "VASSAL_STATE",
    name: "b.toml",
    state: "backoff",
    pid: 0,
    restarts: 1,
    exitCode: 3,
    stderr: "boom",
    streak: 1,
  });
  expect(b.report).toEqual({ state: "backoff", exitCode: 3, stderr: "boom", streak: 1 });
  expect(a.report).toEqual({ state: "running" });
});

test("nodes = 3 runs on three distinct emperors; no room means pending until room appears", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.connect(2, "e2");
  h.core.fileSet("trio.toml", plain("nodes = 3\n"));
  await h.settle();
  expect(h.counts()).toEqual([1, 1]);
  h.connect(3, "e3");
  await h.settle();
  expect(h.counts()).toEqual([1, 1, 1]);
});

test("update, touch and remove reach the emperor holding the vassal", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.core.fileSet("a.toml", plain());
  await h.settle();
  h.sent.length = 0;
  h.core.fileSet("a.toml", plain("# edited\n"));
  expect(h.sent.map((s) => s.m.type)).toEqual(["VASSAL_UPDATE", "CONFIG_CHUNK", "CONFIG_END"]);
  await h.settle();
  h.sent.length = 0;
  h.core.fileTouched("a.toml");
  expect(h.sent.map((s) => s.m.type)).toEqual(["VASSAL_RELOAD"]);
  await h.settle();
  h.sent.length = 0;
  h.core.fileRemoved("a.toml");
  expect(h.sent.map((s) => s.m.type)).toEqual(["VASSAL_DESTROY"]);
  await h.settle();
  expect(h.counts()).toEqual([0]);
  expect(h.core.emperors.get("e1")!.destroying.size).toBe(0);
});

test("a lost emperor's vassals move; when it comes back still running them, the extras are destroyed", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.connect(2, "e2");
  for (const n of ["a", "b", "c", "d"]) h.core.fileSet(`${n}.toml`, plain());
  await h.settle();
  const onE1 = [...h.runs.get(1)!.entries()];
  h.runs.delete(1); // it keeps them running, but zeus stops hearing it
  h.advance(3000);
  h.core.message(2, { type: "I_AM_ALIVE", node: "e2", maxVassals: 100, runningVassals: 2 });
  h.advance(3000);
  expect(h.closed[0]!.reason).toMatch(/^no I_AM_ALIVE for 6\.0 s$/);
  await h.settle();
  expect(h.counts()).toEqual([4]);
  h.connect(
    4,
    "e1",
    100,
    onE1.map(([name, pid]) => ({ name, pid, sha256: sha256Hex(plain()) })),
  );
  await h.settle();
  expect(h.counts()).toEqual([4, 0]);
  expect(h.core.counters.extras_destroyed).toBe(2);
});

test("restore keeps what emperors report, sends them nothing, and re-places what nobody reports", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.connect(2, "e2");
  for (const n of ["a", "b", "c", "d"]) h.core.fileSet(`${n}.toml`, plain());
  await h.settle();
  const state = h.core.snapshot();
  const before = [...h.runs.entries()].map(([c, m]) => [c, new Map(m)] as const);

  const r = harness({ settleMs: 5000 });
  r.core.restore(state);
  for (const n of ["a", "b", "c", "d"]) r.core.fileSet(`${n}.toml`, plain());
  const [, e1] = before[0]!;
  r.connect(
    11,
    "e1",
    100,
    [...e1].map(([name, pid]) => ({ name, pid, sha256: sha256Hex(plain()) })),
  );
  await r.settle();
  expect(r.sent).toEqual([]);
  r.advance(5000);
  await r.settle();
  // e2 never came back: its two vassals are placed again, on e1
  expect(r.counts()).toEqual([4]);
  for (const [name, pid] of e1) expect(r.core.vassals.get(name)!.copiesOn.get("e1")!.pid).toBe(pid);
});

test("restore: settling ends once every copy is reported, when an emperor that held some never comes back", async () => {
  // Saved while e2 held b.toml; b.toml was then moved to e1, e2 died and zeus was killed
  // before the move was saved. On restart e1 reports both: no copy waits for e2 any more.
  const h = harness();
  h.connect(1, "e1");
  h.connect(2, "e2");
  for (const n of ["a", "b"]) h.core.fileSet(`${n}.toml`, plain());
  await h.settle();
  const state = h.core.snapshot();
  const report = [...h.runs.values()].flatMap((m) => [...m].map(([name, pid]) => ({ name, pid, sha256: sha256Hex(plain()) })));
  expect(state.vassals.map((v) => v.assignments.map((a) => a.node)).sort()).toEqual([["e1"], ["e2"]]);

  const r = harness({ settleMs: 5000 });
  r.core.restore(state);
  for (const n of ["a", "b"]) r.core.fileSet(`${n}.toml`, plain());
  r.connect(11, "e1", 100, report);
  r.advance(0);
  expect(r.core.settling).toBe(false);
  expect(r.sent).toEqual([]);
  expect([...r.core.vassals.values()].map((v) => [...v.copiesOn.keys()])).toEqual([["e1"], ["e1"]]);
});

test("restore: a vassal placed after the last save keeps settling going until its emperor reports it; nothing runs twice", async () => {
  // Saved with a.toml on e1; b.toml was placed on e2 afterwards and zeus was killed before saving that.
  const h = harness();
  h.connect(1, "e1");
  h.core.fileSet("a.toml", plain());
  await h.settle();
  const state = h.core.snapshot();
  const [aName, aPid] = [...h.runs.get(1)!][0]!;
  const sha256 = sha256Hex(plain());

  const r = harness({ settleMs: 5000 });
  r.core.restore(state);
  for (const n of ["a", "b"]) r.core.fileSet(`${n}.toml`, plain());
  r.connect(11, "e1", 100, [{ name: aName, pid: aPid, sha256 }]);
  r.advance(0);
  // e1, the only emperor the state names, is back; b.toml has no copy yet: it waits for e2.
  expect(r.core.settling).toBe(true);
  r.connect(12, "e2", 100, [{ name: "b.toml", pid: 999, sha256 }]);
  r.advance(0);
  expect(r.core.settling).toBe(false);
  expect(r.sent).toEqual([]);
  expect(r.core.vassals.get("b.toml")!.copiesOn.get("e2")?.pid).toBe(999);
});

test("a rejection places the vassal elsewhere; after the bound it is failed until its config changes", async () => {
  const h = harness({ autoReply: false });
  for (let i = 1; i <= 4; i++) {
    h.runs.set(i, new Map());
    h.core.connOpened(i, `x:${i}`);
    h.core.message(i, { type: "I_AM_ALIVE", node: `e${i}`, maxVassals: 10, runningVassals: 0 });
    h.core.message(i, { type: "REPORT_END", count: 0 });
  }
  h.core.fileSet("bad.toml", plain());
  for (let i = 0; i < 3; i++) {
    const offer = h.sent.filter((s) => s.m.type === "NEW_VASSAL").at(-1)!;
    h.core.message(offer.conn, { type: "VASSAL_REJECTED", name: "bad.toml", reason: "no" });
  }
  expect(h.sent.filter((s) => s.m.type === "NEW_VASSAL").map((s) => s.conn)).toEqual([1, 2, 3]);
  expect(h.core.vassals.get("bad.toml")!.failed).toBe("rejected 3 times, last by e3: no");
  h.core.fileSet("bad.toml", plain("# fixed\n"));
  expect(h.sent.filter((s) => s.m.type === "NEW_VASSAL").length).toBe(4);
});

test("refused by the only emperor (its disk full): the status says so instead of waiting for a slot, and a touch offers it again", async () => {
  const h = harness({ autoReply: false });
  h.connect(1, "e1", 10);
  h.core.fileSet("b.toml", plain());
  h.core.message(1, { type: "VASSAL_REJECTED", name: "b.toml", reason: "b.toml: cannot store the config: ENOSPC" });
  const v = h.core.vassals.get("b.toml")!;
  expect(v.failed).toBeUndefined();
  expect(vassalRow(v, "pending", [], h.core.configs).note).toBe("refused by e1 (why: zeus's log): touch b.toml to offer it again");
  expect(h.sent.filter((s) => s.m.type === "NEW_VASSAL")).toHaveLength(1);
  h.core.fileTouched("b.toml");
  expect(h.sent.filter((s) => s.m.type === "NEW_VASSAL").map((s) => s.conn)).toEqual([1, 1]);
  expect(vassalRow(v, "pending", [], h.core.configs).note).toBeUndefined();
});

test("failed after three refusals: a touch offers it again without an edit", async () => {
  const h = harness({ autoReply: false });
  for (let i = 1; i <= 3; i++) h.connect(i, `e${i}`, 10);
  h.core.fileSet("bad.toml", plain());
  for (let i = 0; i < 3; i++) {
    const offer = h.sent.filter((s) => s.m.type === "NEW_VASSAL").at(-1)!;
    h.core.message(offer.conn, { type: "VASSAL_REJECTED", name: "bad.toml", reason: "no" });
  }
  const v = h.core.vassals.get("bad.toml")!;
  expect(v.failed).toBe("rejected 3 times, last by e3: no");
  h.core.fileTouched("bad.toml");
  expect(v.failed).toBeUndefined();
  expect(h.sent.filter((s) => s.m.type === "NEW_VASSAL").map((s) => s.conn)).toEqual([1, 2, 3, 1]);
});

test("a placement an emperor never answers times out as a rejection: the copy goes elsewhere, a late spawn there is destroyed", async () => {
  const h = harness();
  // e1 has the most room but never answers (connected, heartbeating, stuck); e2 answers.
  h.core.connOpened(1, "x:1");
  h.core.message(1, { type: "I_AM_ALIVE", node: "e1", maxVassals: 100, runningVassals: 0 });
  h.core.message(1, { type: "REPORT_END", count: 0 });
  h.connect(2, "e2", 10);
  h.core.fileSet("a.toml", plain());
  await h.settle();
  expect(h.sent.filter((s) => s.m.type === "NEW_VASSAL").map((s) => s.conn)).toEqual([1]);
  const beat = () => {
    for (const [conn, node] of [
      [1, "e1"],
      [2, "e2"],
    ] as const) {
      h.core.message(conn, { type: "I_AM_ALIVE", node, maxVassals: node === "e1" ? 100 : 10, runningVassals: 0 });
    }
  };
  for (let t = 0; t < 59; t++) {
    h.advance(1000);
    beat();
  }
  expect(h.core.vassals.get("a.toml")!.copiesOn.get("e1")!.state).toBe("offered");
  h.advance(1000);
  await h.settle();
  expect([...h.core.vassals.get("a.toml")!.copiesOn.keys()]).toEqual(["e2"]);
  expect(h.core.vassals.get("a.toml")!.copiesOn.get("e2")!.state).toBe("running");
  expect(h.sent.filter((s) => s.conn === 1).map((s) => s.m.type)).toEqual(["NEW_VASSAL", "VASSAL_DESTROY"]);
  expect(h.core.counters.rejected).toBe(1);
  // e1 wakes up and spawns it after all: zeus does not count it, and it stays told to destroy
  h.core.message(1, { type: "VASSAL_SPAWNED", name: "a.toml", pid: 7, restarts: 0 });
  expect([...h.core.vassals.get("a.toml")!.copiesOn.keys()]).toEqual(["e2"]);
  h.core.message(1, { type: "VASSAL_DESTROYED", name: "a.toml" });
  expect(h.core.emperors.get("e1")!.destroying.size).toBe(0);
});

test("a connection that does not start with I_AM_ALIVE is told why and closed, others unharmed", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.core.connOpened(2, "x:2");
  h.core.message(2, { type: "ACCEPTED_VASSAL", name: "a.toml" });
  expect(h.closed).toEqual([{ conn: 2, reason: "the first message must be I_AM_ALIVE, got ACCEPTED_VASSAL" }]);
  h.core.fileSet("a.toml", plain());
  await h.settle();
  expect(h.counts()).toEqual([1]);
});

test("a config zeus cannot read is not placed, and says why", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.core.fileSet("broken.toml", enc("[vassal\n"));
  await h.settle();
  expect(h.counts()).toEqual([0]);
  expect(h.core.vassals.get("broken.toml")!.error).toMatch(/^broken\.toml:1: Invalid TOML/);
});

test("a bad edit sends nothing: the running copy keeps its last good config until the file is fixed", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.core.fileSet("a.toml", plain());
  await h.settle();
  h.sent.length = 0;
  h.core.fileSet("a.toml", enc("[vassal\n"));
  expect(h.sent).toEqual([]);
  expect(h.core.vassals.get("a.toml")!.copiesOn.get("e1")!.state).toBe("running");
  h.core.fileSet("a.toml", plain("# fixed\n"));
  expect(h.sent.map((s) => s.m.type)).toEqual(["VASSAL_UPDATE", "CONFIG_CHUNK", "CONFIG_END"]);
});

test("a bad edit reverted to the running config clears the error and sends nothing", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.core.fileSet("a.toml", plain());
  await h.settle();
  h.sent.length = 0;
  h.core.fileSet("a.toml", enc("[vassal\n"));
  h.core.fileSet("a.toml", plain());
  expect(h.sent).toEqual([]);
  expect(h.core.vassals.get("a.toml")!.error).toBeUndefined();
});

test("a file removed and put back at once: the old copy's VASSAL_DESTROYED does not cancel the new one", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.core.fileSet("a.toml", plain());
  await h.settle();
  h.core.fileRemoved("a.toml");
  h.core.fileSet("a.toml", plain());
  await h.settle();
  expect(h.counts()).toEqual([1]);
  expect(h.core.counters.placed).toBe(2);
  expect(h.core.vassals.get("a.toml")!.copiesOn.get("e1")!.state).toBe("running");
});

test("restore: a file edited or removed while zeus was down is updated or destroyed once its emperor reports", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.core.fileSet("a.toml", plain());
  h.core.fileSet("b.toml", plain());
  await h.settle();
  const state = h.core.snapshot();
  const pids = h.runs.get(1)!;

  const r = harness({ settleMs: 5000 });
  r.core.restore(state);
  r.core.fileSet("a.toml", plain("# edited while zeus was down\n"));
  r.core.fileRemoved("b.toml");
  r.connect(
    7,
    "e1",
    100,
    [...pids].map(([name, pid]) => ({ name, pid, sha256: sha256Hex(plain()) })),
  );
  // The edit is rolled out (max_parallel at a time) once every awaited emperor has reported.
  r.advance(0);
  expect(r.sent.map((s) => [s.m.type, "name" in s.m ? s.m.name : ""])).toEqual([
    ["VASSAL_DESTROY", "b.toml"],
    ["VASSAL_UPDATE", "a.toml"],
    ["CONFIG_CHUNK", "a.toml"],
    ["CONFIG_END", "a.toml"],
  ]);
});

test("a second emperor with the node of a connected one is refused; the first keeps its vassals", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.core.fileSet("a.toml", plain());
  await h.settle();
  h.core.connOpened(2, "10.0.0.9:4000");
  h.core.message(2, { type: "I_AM_ALIVE", node: "e1", maxVassals: 100, runningVassals: 0 });
  expect(h.closed).toEqual([{ conn: 2, reason: 'node "e1" is already connected from 127.0.0.1:1: is another emperor using that --node?' }]);
  expect(h.core.vassals.get("a.toml")!.copiesOn.get("e1")!.state).toBe("running");
  h.crash(1);
  h.connect(3, "e1");
  await h.settle();
  expect(h.core.emperors.get("e1")!.conn).toBe(3);
});

test("with client certificates, an emperor must register as a node its certificate names", () => {
  const h = harness();
  h.core.connOpened(1, "x:1", ["emperor1"]);
  h.core.message(1, { type: "I_AM_ALIVE", node: "emperor2", maxVassals: 1, runningVassals: 0 });
  expect(h.closed).toEqual([{ conn: 1, reason: 'node "emperor2" does not match its certificate, which names emperor1' }]);
  h.core.connOpened(2, "x:2", ["emperor1"]);
  h.core.message(2, { type: "I_AM_ALIVE", node: "emperor1", maxVassals: 1, runningVassals: 0 });
  expect(h.core.emperors.get("emperor1")!.alive).toBe(true);
});

test("time zeus was too busy to read heartbeats is nobody's silence: judged as they arrived, dead only after --dead-after heard", async () => {
  const h = harness();
  h.connect(1, "e1");
  h.connect(2, "e2");
  h.core.fileSet("a.toml", plain());
  await h.settle();
  // zeus's loop is blocked for 7 s (its heartbeats wait in the sockets): the tick that ends it is 7 s late.
  h.core.deaf(7000);
  h.advance(7000);
  expect(h.closed).toEqual([]);
  expect(h.core.counters.emperors_lost).toBe(0);
  // e1's heartbeat, read once zeus listens again: gap 7 s as read, and e1 is not warned about.
  h.core.message(1, { type: "I_AM_ALIVE", node: "e1", maxVassals: 100, runningVassals: 1 });
  expect(h.core.heartbeats).toEqual({ max_gap_ms: 7000, max_silence_ms: 0, deaf_ms: 7000, max_deaf_ms: 7000 });
  // e2 stays silent while zeus listens: dead once --dead-after (5 s) of that silence has passed, not before.
  h.advance(4900);
  expect(h.closed).toEqual([]);
  h.core.message(1, { type: "I_AM_ALIVE", node: "e1", maxVassals: 100, runningVassals: 1 });
  h.advance(200);
  expect(h.closed).toEqual([{ conn: 2, reason: "no I_AM_ALIVE for 5.1 s" }]);
});

test("a new leader on an older saved state keeps the copies the last leader moved but could not save", async () => {
  const old = harness();
  old.connect(1, "e1");
  old.connect(2, "e2");
  old.connect(3, "e3");
  for (let i = 0; i < 6; i++) old.core.fileSet(`v${i}.toml`, plain());
  await old.settle();
  const saved = old.core.snapshot();
  const onE1 = [...old.runs.get(1)!].map(([name, pid]) => ({ name, pid, sha256: sha256Hex(plain()) }));
  // e1 dies; the old leader moves its copies to e2 and e3 but cannot write the state.
  old.crash(1);
  await old.settle();
  expect(old.counts()).toEqual([3, 3]);
  const running = (conn: number) => [...old.runs.get(conn)!].map(([name, pid]) => ({ name, pid, sha256: sha256Hex(plain()) }));

  const next = harness({ settleMs: 5000 });
  next.core.restore(saved);
  for (let i = 0; i < 6; i++) next.core.fileSet(`v${i}.toml`, plain());
  next.connect(12, "e2", 100, running(2));
  next.connect(13, "e3", 100, running(3));
  await next.settle();
  next.advance(5000);
  await next.settle();
  // Nothing destroyed, nothing placed again: every vassal keeps the one copy that runs.
  expect(next.sent.filter((s) => s.m.type === "VASSAL_DESTROY" || s.m.type === "NEW_VASSAL")).toEqual([]);
  expect(next.core.counters.extras_destroyed).toBe(0);
  expect(next.counts()).toEqual([3, 3]);
  for (const v of next.core.vassals.values()) expect([...v.copiesOn.values()].map((c) => c.state)).toEqual(["running"]);
  // e1 was only cut off and comes back running its old copies: those are the extras now.
  next.connect(11, "e1", 100, onE1);
  await next.settle();
  expect(next.counts()).toEqual([3, 3, 0]);
});

test("time zeus could not listen (a long start, a blocked loop) does not count towards settling: no copy is placed again meanwhile", async () => {
  const old = harness();
  old.connect(1, "e1");
  old.connect(2, "e2", 0);
  old.core.fileSet("a.toml", plain());
  await old.settle();
  const saved = old.core.snapshot();
  const onE1 = [...old.runs.get(1)!].map(([name, pid]) => ({ name, pid, sha256: sha256Hex(plain()) }));

  const h = harness({ settleMs: 5000 });
  h.core.restore(saved);
  h.core.fileSet("a.toml", plain());
  h.connect(12, "e2");
  // Starting up (reading every file) took 4 s before zeus listened: the first tick is that late.
  h.core.deaf(4000);
  h.advance(4000);
  h.advance(900);
  await h.settle();
  expect(h.core.settling).toBe(true);
  // e1 comes back within the 5 s zeus listened and keeps its copy: nothing is placed or started again.
  h.advance(3900);
  h.connect(11, "e1", 100, onE1);
  await h.settle();
  h.advance(200);
  await h.settle();
  expect(h.core.settling).toBe(false);
  expect(h.sent.filter((s) => s.m.type === "NEW_VASSAL" || s.m.type === "VASSAL_DESTROY")).toEqual([]);
  expect(h.counts()).toEqual([0, 1]);
});

/**
 * A zeus of two emperors (e1 on conn 1, e2 on conn 2) running a.toml and b.toml, killed: its
 * saved state restored by a new zeus whose listener reports `arriving()` connections on their
 * way (in a handshake, or not yet identified), and what each old connection's emperor runs.
 */
async function restoredWhileArriving(arriving: () => number) {
  const old = harness();
  old.connect(1, "e1");
  old.connect(2, "e2");
  for (const n of ["a", "b"]) old.core.fileSet(`${n}.toml`, plain());
  await old.settle();
  const saved = old.core.snapshot();
  const ran = (conn: number) => [...old.runs.get(conn)!].map(([name, pid]) => ({ name, pid, sha256: sha256Hex(plain()) }));
  const h = harness({ settleMs: 5000, arriving });
  h.core.restore(saved);
  for (const n of ["a", "b"]) h.core.fileSet(`${n}.toml`, plain());
  return { h, ran };
}

test("restore: settling lasts past its minimum while emperors are still arriving (in a TLS handshake), so nothing is started again", async () => {
  let arriving = 1; // e2's connection: open, its handshake not done yet
  const { h, ran } = await restoredWhileArriving(() => arriving);
  h.connect(11, "e1", 100, ran(1));
  for (let t = 0; t < 10_000; t += 1000) {
    h.core.message(11, { type: "I_AM_ALIVE", node: "e1", maxVassals: 100, runningVassals: 1 });
    h.advance(1000);
  }
  await h.settle();
  expect(h.core.settling).toBe(true);
  // e2 gets through and reports: every emperor is back, nothing was placed or started again.
  arriving = 0;
  h.connect(12, "e2", 100, ran(2));
  h.advance(100);
  await h.settle();
  expect(h.core.settling).toBe(false);
  expect(h.sent.filter((s) => s.m.type === "NEW_VASSAL" || s.m.type === "VASSAL_DESTROY")).toEqual([]);
  expect(h.counts()).toEqual([1, 1]);
});

test("restore: an emperor that never comes back holds the settle time only while others arrive; then its copies are placed again", async () => {
  let arriving = 3; // strangers that never say who they are
  const { h, ran } = await restoredWhileArriving(() => arriving);
  h.connect(11, "e1", 100, ran(1));
  for (let t = 0; t < 30_000; t += 1000) {
    h.core.message(11, { type: "I_AM_ALIVE", node: "e1", maxVassals: 100, runningVassals: 1 });
    h.advance(1000);
  }
  expect(h.core.settling).toBe(true);
  arriving = 0; // closed after their 10 s; e1 reported long ago: nobody is on the way
  h.advance(100);
  await h.settle();
  expect(h.core.settling).toBe(false);
  expect(h.counts()).toEqual([2]);
});
