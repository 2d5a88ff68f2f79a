// The drain's pure core (lib/zeus/drain.ts through the coordinator): a copy no other emperor
// may take blocks the drain with its reason and is never stopped; a deadline or --force stops
// what is left (forced); a drain ends "drained" when every copy moved; progress is saved.
import { expect, test } from "bun:test";
import { drainProgress, drainState } from "../../lib/zeus/drain.ts";
import { drainLines, drainStatus, fleetDrainLines } from "../../lib/zeus/drain_status.ts";
import { zeusStatus } from "../../lib/zeus/zeus_status.ts";
import { fakeFleet } from "./_fake_fleet.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function zeus() {
  const f = fakeFleet(1e9);
  const connect = (conn: number, node: string, zone: string) => f.connect(conn, node, { zone });
  const on = (name: string) => [...(f.core.vassals.get(name)?.copiesOn.values() ?? [])].map((c) => `${c.node}:${c.state}`).sort();
  return { ...f, connect, on };
}

const pinned = '[vassal]\ncommand = "/bin/sleep"\nconstraints = ["zone=z1"]\n';

test("a copy no other emperor may take blocks the drain with its reason and is never stopped; the deadline stops it (forced)", () => {
  const { core, sent, connect, run, on, advance } = zeus();
  connect(1, "e1", "z1");
  core.fileSet("pinned.toml", enc(pinned));
  run(1, 10);
  connect(2, "e2", "z2");
  expect(core.drain("e1")).toBe("draining e1: 1 vassal to move");
  const e1 = core.emperors.get("e1")!;
  expect(drainState(e1)).toBe("blocked");
  expect(e1.drain!.blocked).toEqual({ "pinned.toml": "no emperor meets zone=z1" });
  advance(60_000);
  core.tick();
  expect(on("pinned.toml")).toEqual(["e1:moving"]);
  expect(sent.some((s) => s.m.type === "VASSAL_DESTROY")).toBe(false);

  expect(core.drain("e1", { deadlineMs: 5000 })).toMatch(/^e1 is already blocked, deadline /);
  expect(core.snapshot().emperors.find((e) => e.node === "e1")!.drain).toMatchObject({ total: 1, moved: 0, deadline: 66_000 });
  advance(4999);
  core.tick();
  expect(on("pinned.toml")).toEqual(["e1:moving"]);
  advance(1);
  core.tick();
  expect(on("pinned.toml")).toEqual([]);
  expect(sent).toContainEqual({ conn: 1, m: { type: "VASSAL_DESTROY", name: "pinned.toml" } });
  expect(drainState(e1)).toBe("forced");
  // Stopped, not moved: nothing replaced it.
  expect(core.snapshot().emperors.find((e) => e.node === "e1")!.drain).toMatchObject({ total: 1, moved: 0, stopped: 1, ended: "forced" });
});

test("--force stops what is left at once; a drain whose copies all move ends drained; undrain clears it", () => {
  const { core, connect, run, on, advance } = zeus();
  connect(1, "e1", "z1");
  core.fileSet("pinned.toml", enc(pinned));
  core.fileSet("free.toml", enc('[vassal]\ncommand = "/bin/sleep"\n[vassal.update]\nmin_healthy = 1\n'));
  run(1, 10);
  connect(2, "e2", "z2");
  core.drain("e1");
  run(2, 20);
  core.tick();
  advance(1000);
  core.tick();
  expect(on("free.toml")).toEqual(["e2:running"]);
  const e1 = core.emperors.get("e1")!;
  expect([drainState(e1), e1.drain!.moved, e1.drain!.total]).toEqual(["blocked", 1, 2]);
  core.drain("e1", { force: true });
  expect(on("pinned.toml")).toEqual([]);
  expect([drainState(e1), e1.drain!.moved, e1.drain!.stopped]).toEqual(["forced", 1, 1]);
  core.undrain("e1");
  expect(e1.drain).toBeUndefined();

  // e2 drains with somewhere to go: drained, not forced.
  connect(3, "e3", "z2");
  core.drain("e2");
  run(3, 30);
  core.tick();
  advance(1000);
  core.tick();
  expect(on("free.toml")).toEqual(["e3:running"]);
  expect(drainState(core.emperors.get("e2")!)).toBe("drained");
  expect(core.emperors.get("e2")!.drain!.ended).toBe("done");
});

test("a forced drain counts as moved only the copies replaced by copies running well elsewhere; the others were stopped", () => {
  const { core, connect, run, advance } = zeus();
  connect(1, "e1", "z1");
  for (let i = 1; i <= 4; i++) core.fileSet(`free${i}.toml`, enc('[vassal]\ncommand = "/bin/sleep"\n[vassal.update]\nmin_healthy = 1\n'));
  core.fileSet("pinned.toml", enc(pinned));
  run(1, 10);
  connect(2, "e2", "z2");
  core.drain("e1");
  // A replacement runs on e2 (not yet proven for min_healthy) before the drain is forced.
  run(2, 20);
  core.tick();
  advance(10);
  core.drain("e1", { force: true });
  const e1 = core.emperors.get("e1")!;
  expect(e1.drain).toMatchObject({ total: 5, moved: 1, stopped: 4, ended: "forced" });
  expect(drainStatus(e1)).toMatchObject({ drain: "forced", drain_moved: 1, drain_stopped: 4, drain_total: 5 });
  expect(drainProgress(1, 5, 4)).toBe("1/5 moved, 4 stopped");
  expect(drainLines([{ node: "e1", drain: "draining", drain_moved: 1, drain_total: 5, drain_stopped: 4 }])).toEqual([
    "drain of e1 draining, 1/5 moved, 4 stopped, no deadline",
  ]);
});

test("/healthz's drain lines from the emperors alone are those of the whole status, in the order of their names", () => {
  const { core, connect, run } = zeus();
  connect(1, "e2", "z1");
  connect(2, "e1", "z1");
  connect(3, "e3", "z2");
  core.fileSet("pinned.toml", enc(pinned));
  core.fileSet("free.toml", enc('[vassal]\ncommand = "/bin/sleep"\n'));
  run(1, 10);
  run(2, 20);
  core.drain("e2");
  core.drain("e1");
  const lines = fleetDrainLines(core.emperors.values());
  expect(lines.length).toBe(2);
  expect(lines[0]).toStartWith("drain of e1 ");
  expect(lines).toEqual(drainLines(zeusStatus(core).emperors));
  expect(fleetDrainLines([...core.emperors.values()].reverse())).toEqual(lines);
});
