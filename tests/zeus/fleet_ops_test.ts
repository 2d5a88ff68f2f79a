// The coordinator's fleet operations, sans I/O: drain across a restart, forget, reschedule.
import { expect, test } from "bun:test";
import { AdminError } from "../../lib/errors.ts";
import { Coordinator } from "../../lib/zeus/coordinator.ts";
import { fakeFleet } from "./_fake_fleet.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function zeus() {
  return fakeFleet(5000);
}

test("a drain is kept in the state file and restored; undrain and forget answer for unknown or alive emperors", () => {
  const { core, connect, io } = zeus();
  connect(1, "e1");
  connect(2, "e2");
  expect(core.drain("e1")).toBe("draining e1: 0 vassals to move");
  expect(core.drain("e1")).toBe("e1 is already drained");
  const state = core.snapshot();
  expect(state.emperors.find((e) => e.node === "e1")).toMatchObject({ draining: true });
  const again = new Coordinator(io, { deadAfterMs: 5000, settleMs: 0, maxRejections: 3 });
  again.restore(state);
  expect(again.emperors.get("e1")!.draining).toBe(true);
  expect(again.emperors.get("e2")!.draining).toBe(false);
  expect(() => core.drain("nope")).toThrow(new AdminError("no-such-node", 'no emperor "nope" (zeus status lists them)'));
  expect(() => core.forget("e2")).toThrow("emperor e2 is alive");
  core.connClosed(2);
  expect(core.forget("e2")).toBe("forgot e2");
  expect(core.emperors.has("e2")).toBe(false);
  expect(core.undrain("e1")).toBe("e1 takes vassals again");
});

test("a copy that keeps dying young moves; after the bound the vassal is failed with why, and its file's change clears it", () => {
  const { core, sent, connect, run } = zeus();
  connect(1, "e1");
  connect(2, "e2");
  core.fileSet("x.toml", enc('[vassal]\ncommand = "/nope"\n'));
  const nodeOf = () => [...core.vassals.get("x.toml")!.copiesOn.keys()][0];
  const conns: Record<string, number> = { e1: 1, e2: 2 };
  for (const node of ["e1", "e2"]) {
    expect(nodeOf()).toBe(node);
    run(conns[node]!, 7);
    core.message(conns[node]!, { type: "VASSAL_STATE", name: "x.toml", state: "backoff", pid: 0, restarts: 1, exitCode: 127, streak: 1 });
    expect(core.vassals.get("x.toml")!.copiesOn.get(node)!.state).toBe("backoff");
    core.message(conns[node]!, { type: "VASSAL_STATE", name: "x.toml", state: "backoff", pid: 0, restarts: 3, exitCode: 127, streak: 3 });
    expect(sent).toContainEqual({ conn: conns[node]!, m: { type: "VASSAL_DESTROY", name: "x.toml" } });
  }
  const v = core.vassals.get("x.toml")!;
  expect(v.copiesOn.size).toBe(0);
  expect(v.failed).toBe("backoff on e2 after exit 127 (3 quick deaths in a row); tried on e1, e2, no other emperor may take it");
  expect(core.counters.rescheduled).toBe(2);
  core.fileSet("x.toml", enc('[vassal]\ncommand = "/bin/sleep"\n'));
  expect(v.failed).toBeUndefined();
  expect(v.copiesOn.size).toBe(1);
});

test("drain: one copy at a time, the old one destroyed once its replacement ran min_healthy; a copy nobody else may take does not hold up the rest", () => {
  const { core, sent, connect, run, advance } = zeus();
  connect(1, "e1");
  core.fileSet("both.toml", enc('[vassal]\ncommand = "/bin/sleep"\nnodes = 2\n'));
  core.fileSet("a.toml", enc('[vassal]\ncommand = "/bin/sleep"\n[vassal.update]\nmin_healthy = 1\n'));
  core.fileSet("b.toml", enc('[vassal]\ncommand = "/bin/sleep"\n[vassal.update]\nmin_healthy = 1\n'));
  run(1, 10);
  connect(2, "e2");
  run(2, 20);
  const on = (name: string) => [...core.vassals.get(name)!.copiesOn.values()].map((c) => `${c.node}:${c.state}`).sort();
  expect(on("a.toml")).toEqual(["e1:running"]);
  core.drain("e1");
  expect(on("a.toml")).toEqual(["e1:moving", "e2:offered"]);
  expect(on("b.toml")).toEqual(["e1:running"]);
  run(2, 21);
  core.tick();
  expect(on("a.toml")).toEqual(["e1:moving", "e2:running"]);
  advance(1000);
  core.tick();
  expect(on("a.toml")).toEqual(["e2:running"]);
  expect(sent).toContainEqual({ conn: 1, m: { type: "VASSAL_DESTROY", name: "a.toml" } });
  expect(on("b.toml")).toEqual(["e1:moving", "e2:offered"]);
  run(2, 22);
  core.tick();
  advance(1000);
  core.tick();
  // both.toml has no other emperor to go to: it stays (moving) and holds nothing else up.
  expect(on("b.toml")).toEqual(["e2:running"]);
  expect(on("both.toml")).toEqual(["e1:moving", "e2:running"]);
  expect(core.counters.moved).toBe(2);
});

test("a copy moving off a draining emperor stays moving across a restore: it goes only once its replacement ran min_healthy", () => {
  const { core, connect, run } = zeus();
  connect(1, "e1");
  core.fileSet("a.toml", enc('[vassal]\ncommand = "/bin/sleep"\n[vassal.update]\nmin_healthy = 1\n'));
  run(1, 10);
  connect(2, "e2");
  core.drain("e1");
  run(2, 20);
  const state = core.snapshot();
  expect(state.vassals[0]!.assignments).toEqual([
    { node: "e1", pid: 10, restarts: 0, state: "moving" },
    { node: "e2", pid: 20, restarts: 0 },
  ]);

  const again = zeus();
  again.core.restore(state);
  again.core.fileSet("a.toml", enc('[vassal]\ncommand = "/bin/sleep"\n[vassal.update]\nmin_healthy = 1\n'));
  const on = () => [...again.core.vassals.get("a.toml")!.copiesOn.values()].map((c) => `${c.node}:${c.state}`).sort();
  // The directory scan does not trim the moving copy as one too many.
  expect(on()).toEqual(["e1:moving", "e2:restored"]);
  for (const [conn, node, pid] of [
    [1, "e1", 10],
    [2, "e2", 20],
  ] as const) {
    again.core.connOpened(conn, `127.0.0.1:${conn}`);
    again.core.message(conn, { type: "I_AM_ALIVE", node, maxVassals: 10, runningVassals: 1 });
    again.core.message(conn, {
      type: "VASSAL_REPORT",
      vassals: [{ name: "a.toml", pid, restarts: 0, sha256: again.core.vassals.get("a.toml")!.sha256 }],
    });
    again.core.message(conn, { type: "REPORT_END", count: 1 });
  }
  again.core.tick();
  expect(on()).toEqual(["e1:moving", "e2:running"]);
  expect(again.sent.filter((s) => s.m.type === "VASSAL_DESTROY")).toEqual([]);
  again.advance(1000);
  again.core.tick();
  expect(on()).toEqual(["e2:running"]);
  expect(again.sent).toContainEqual({ conn: 1, m: { type: "VASSAL_DESTROY", name: "a.toml" } });
  expect(again.core.emperors.get("e1")!.draining).toBe(true);
});

test("a failed vassal stays failed across a restore until its file changes", () => {
  const { core, connect, run } = zeus();
  connect(1, "e1");
  const ghost = enc('[vassal]\ncommand = "/nope"\n');
  core.fileSet("x.toml", ghost);
  run(1, 7);
  core.message(1, { type: "VASSAL_STATE", name: "x.toml", state: "backoff", pid: 0, restarts: 3, exitCode: 127, streak: 3 });
  const why = core.vassals.get("x.toml")!.failed!;
  expect(why).toBe("backoff on e1 after exit 127 (3 quick deaths in a row); tried on e1, no other emperor may take it");
  const state = core.snapshot();
  expect(state.vassals[0]!.failed).toBe(why);

  const again = zeus();
  again.core.restore(state);
  again.core.fileSet("x.toml", ghost);
  again.connect(1, "e1");
  again.core.tick();
  expect(again.core.vassals.get("x.toml")!.failed).toBe(why);
  expect(again.core.counters.placed).toBe(0);
  again.core.fileSet("x.toml", enc('[vassal]\ncommand = "/bin/sleep"\n'));
  const v = again.core.vassals.get("x.toml")!;
  expect(v.failed).toBeUndefined();
  expect(again.core.counters.placed).toBe(1);
  // Nothing ran to roll out to: no rollout, and the new config is not "last good" before it ran.
  expect(v.rollout).toBeUndefined();
  expect(v.lastGood).toBeUndefined();
});
