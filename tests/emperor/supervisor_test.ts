// The Supervisor in-process, with real child processes (sleep, sh) and an injected clock.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Supervisor, type SupervisorEvent } from "../../lib/emperor/supervisor.ts";
import { emperorStatus } from "../../lib/emperor/emperor_status.ts";
import { removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { FakeClock } from "../helpers/fake_clock.ts";

afterAll(removeTmpDirs);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function setup(clock?: FakeClock) {
  const stateDir = tmpDir("emperor-sup-");
  const events: SupervisorEvent[] = [];
  const sup = new Supervisor({ stateDir, clock, onEvent: (e) => events.push(e) });
  return { stateDir, events, sup };
}

const sleeper = (extra = "") => `[vassal]\ncommand = "sleep"\nargs = ["600"]\nstop_timeout = 2\n${extra}`;

test("apply spawns, same config is a no-op, a changed one restarts, destroy reaps", async () => {
  const { stateDir, events, sup } = setup();
  await sup.start();
  sup.apply("a.toml", sleeper());
  const first = await waitFor(() => events.find((e) => e.type === "spawned"), 5000, "spawned");
  const pid = (first as { pid: number }).pid;
  expect(sup.has("a.toml")).toBe(true);
  expect(sup.list()).toMatchObject([{ name: "a.toml", kind: "plain", state: "running", pid, restarts: 0 }]);
  expect(readFileSync(join(stateDir, "vassals", "a.toml"), "utf8")).toBe(sleeper());
  expect(existsSync(join(stateDir, "pids", "a.toml.json"))).toBe(true);

  sup.apply("a.toml", sleeper());
  sup.apply("a.toml", sleeper('env = { X = "1" }\n'));
  await waitFor(() => events.some((e) => e.type === "reloaded"), 5000, "reloaded");
  const second = sup.list()[0]!.pid!;
  expect(second).not.toBe(pid);
  expect(alive(pid)).toBe(false);

  await sup.destroy("a.toml");
  expect(events.at(-1)).toEqual({ type: "destroyed", name: "a.toml" });
  expect(alive(second)).toBe(false);
  expect(sup.has("a.toml")).toBe(false);
  expect(existsSync(join(stateDir, "pids", "a.toml.json"))).toBe(false);
  expect(existsSync(join(stateDir, "vassals", "a.toml"))).toBe(false);
});

test("reload by signal keeps the process and sends it the signal", async () => {
  const { stateDir, events, sup } = setup();
  await sup.start();
  const script = 'trap "echo HUP >> hups" HUP; : > trapped; while true; do sleep 0.05; done';
  sup.apply(
    "h.toml",
    `[vassal]\ncommand = "sh"\nargs = ["-c", ${JSON.stringify(script)}]\ncwd = ${JSON.stringify(stateDir)}\nreload = "signal:SIGHUP"\n`,
  );
  await waitFor(() => events.some((e) => e.type === "spawned"), 5000, "spawned");
  const pid = sup.list()[0]!.pid;
  await waitFor(() => existsSync(join(stateDir, "trapped")), 5000, "sh to install its trap");
  sup.reload("h.toml");
  await waitFor(() => existsSync(join(stateDir, "hups")), 5000, "the HUP trap");
  expect(events.filter((e) => e.type === "reloaded")).toHaveLength(1);
  expect(sup.list()[0]!.pid).toBe(pid);
  await sup.stopAll();
  expect(sup.list()).toEqual([]);
});

test("bad names and configs are rejected and nothing is written", async () => {
  const { stateDir, events, sup } = setup();
  await sup.start();
  sup.apply("../x.toml", sleeper());
  sup.apply("b.toml", "[vassal]\n");
  sup.apply("c.yaml", "");
  expect(events).toEqual([
    { type: "rejected", name: "../x.toml", reason: 'Vassal name "../x.toml" is not allowed: it contains "/"' },
    { type: "rejected", name: "b.toml", reason: "b.toml:1: [vassal] has no command" },
    { type: "rejected", name: "c.yaml", reason: "c.yaml: is neither a uWSGI vassal (*.ini) nor a plain vassal (*.toml)" },
  ]);
  expect(sup.list()).toEqual([]);
  expect(existsSync(join(stateDir, "..", "x.toml"))).toBe(false);
});

test("a bad update is rejected and the running vassal keeps its config", async () => {
  const { events, sup } = setup();
  await sup.start();
  sup.apply("k.toml", sleeper());
  await waitFor(() => events.some((e) => e.type === "spawned"), 5000, "spawned");
  const pid = sup.list()[0]!.pid;
  sup.apply("k.toml", '[vassal]\ncommand = "sleep"\nstop_signal = "SIGNOPE"\n');
  expect(events.at(-1)).toMatchObject({ type: "rejected", name: "k.toml" });
  expect(sup.list()[0]).toMatchObject({ state: "running", pid });
  await sup.stopAll();
});

test("a dying vassal is restarted after the throttle's doubling delays", async () => {
  const clock = new FakeClock();
  const { events, sup } = setup(clock);
  await sup.start();
  sup.apply("crash.toml", '[vassal]\ncommand = "false"\n');
  const delays: number[] = [];
  for (let i = 1; i <= 4; i++) {
    await waitFor(() => events.filter((e) => e.type === "exited").length === i, 5000, `exit ${i}`);
    expect(sup.list()[0]).toMatchObject({ state: "backoff", restarts: i });
    delays.push(clock.pending()[0]!);
    clock.advance(clock.pending()[0]!);
  }
  expect(delays).toEqual([1000, 2000, 4000, 8000]);
  expect(events.filter((e) => e.type === "spawned")).toHaveLength(1);
  await sup.destroy("crash.toml");
  expect(clock.pending()).toEqual([]);
});

test("destroy waits stop_timeout, then SIGKILLs a vassal that ignores its stop signal", async () => {
  const clock = new FakeClock();
  const { stateDir, events, sup } = setup(clock);
  await sup.start();
  sup.apply(
    "stubborn.toml",
    `[vassal]\ncommand = "sh"\nargs = ["-c", "trap '' TERM; : > trapped; while true; do sleep 0.05; done"]\ncwd = ${JSON.stringify(stateDir)}\nstop_timeout = 7\n`,
  );
  await waitFor(() => events.some((e) => e.type === "spawned"), 5000, "spawned");
  const pid = sup.list()[0]!.pid!;
  await waitFor(() => existsSync(join(stateDir, "trapped")), 5000, "sh to ignore TERM");
  const done = sup.destroy("stubborn.toml");
  // A non-event cannot be awaited: this is the time SIGTERM would take to kill an untrapped sh.
  await Bun.sleep(300);
  expect(alive(pid)).toBe(true);
  expect(clock.pending()).toEqual([7000]);
  clock.advance(7000);
  await done;
  expect(alive(pid)).toBe(false);
});

/** A stand-in for uwsgi: a shell script speaking the emperor protocol on fd 3. */
function fakeUwsgi(dir: string, script: string): string {
  const path = join(dir, "fake-uwsgi");
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

test("a uWSGI vassal is ready at its first 1 or 5 byte, and runs as BINARY --ini STATE/vassals/NAME", async () => {
  const stateDir = tmpDir("emperor-sup-");
  const bin = fakeUwsgi(
    stateDir,
    `echo "$@" > args; echo "$UWSGI_EMPEROR_FD" > fd; sleep 0.3; printf '\\005' >&3; head -c 1 <&3 >/dev/null`,
  ); // any byte from the emperor (0: stop) ends it
  const events: SupervisorEvent[] = [];
  const sup = new Supervisor({ stateDir, vassalBinary: bin, workDir: stateDir, onEvent: (e) => events.push(e) });
  await sup.start();
  sup.apply("app.ini", "[uwsgi]\nsocket = :0\n");
  await waitFor(() => existsSync(join(stateDir, "fd")), 5000, "the fake uwsgi");
  expect(sup.list()[0]!.state).toBe("starting");
  await waitFor(() => events.some((e) => e.type === "spawned"), 5000, "spawned");
  expect(sup.list()[0]!.state).toBe("running");
  expect(readFileSync(join(stateDir, "args"), "utf8")).toBe(`--ini ${join(stateDir, "vassals", "app.ini")}\n`);
  expect(readFileSync(join(stateDir, "fd"), "utf8")).toBe("3\n");
  await sup.stopAll();
});

test("a uWSGI vassal whose heartbeats stop is killed after 30 s and restarted", async () => {
  const clock = new FakeClock();
  const stateDir = tmpDir("emperor-sup-");
  const bin = fakeUwsgi(stateDir, `printf '\\005\\032' >&3; exec sleep 600`);
  const events: SupervisorEvent[] = [];
  const sup = new Supervisor({ stateDir, vassalBinary: bin, clock, onEvent: (e) => events.push(e) });
  await sup.start();
  sup.apply("hb.ini", "[uwsgi]\n");
  await waitFor(() => events.some((e) => e.type === "spawned") && clock.pending().length === 1, 5000, "spawned and a heartbeat");
  expect(clock.pending()).toEqual([30_000]);
  const pid = sup.list()[0]!.pid!;
  clock.advance(30_000);
  await waitFor(() => events.some((e) => e.type === "exited"), 5000, "killed");
  expect(events.find((e) => e.type === "exited")).toEqual({ type: "exited", name: "hb.ini", code: null, signal: "SIGKILL" });
  expect(alive(pid)).toBe(false);
  expect(sup.list()[0]!.state).toBe("backoff");
  await sup.stopAll();
});

test("a missing uwsgi binary is logged and throttled, not a crash", async () => {
  const clock = new FakeClock();
  const { events, sup } = setup(clock);
  const missing = new Supervisor({ stateDir: sup.stateDir, vassalBinary: "/nonexistent/uwsgi", clock, onEvent: (e) => events.push(e) });
  await missing.start();
  missing.apply("x.ini", "[uwsgi]\n");
  await waitFor(() => events.some((e) => e.type === "exited"), 5000, "exited");
  expect(missing.list()[0]).toMatchObject({ state: "backoff", restarts: 1 });
  await missing.stopAll();
});

const isRoot = process.getuid?.() === 0;

test.skipIf(!isRoot)("as root, user runs the vassal with that user's uid and primary group", async () => {
  const { events, sup } = setup();
  await sup.start();
  sup.apply("u.toml", '[vassal]\ncommand = "sleep"\nargs = ["600"]\nuser = "nobody"\n');
  sup.apply("g.toml", '[vassal]\ncommand = "sleep"\nargs = ["600"]\nuser = "nobody"\ngroup = "0"\n');
  sup.apply("nouser.toml", '[vassal]\ncommand = "sleep"\nuser = "no-such-user-here"\n');
  await waitFor(() => sup.list().filter((v) => v.state === "running").length === 2, 5000, "two running");
  const ids = (name: string) => {
    const status = readFileSync(`/proc/${sup.list().find((v) => v.name === name)!.pid}/status`, "utf8");
    return [/^Uid:\s+(\d+)/m.exec(status)![1], /^Gid:\s+(\d+)/m.exec(status)![1]];
  };
  const nobody = Bun.spawnSync(["id", "-u", "nobody"]).stdout.toString().trim();
  const nobodyGid = Bun.spawnSync(["id", "-g", "nobody"]).stdout.toString().trim();
  await waitFor(() => ids("u.toml")[0] === nobody, 5000, "setpriv to exec sleep");
  expect(ids("u.toml")).toEqual([nobody, nobodyGid]);
  await waitFor(() => ids("g.toml")[0] === nobody, 5000, "setpriv to exec sleep");
  expect(ids("g.toml")).toEqual([nobody, "0"]);
  expect(events).toContainEqual({ type: "rejected", name: "nouser.toml", reason: 'nouser.toml: user "no-such-user-here" does not exist' });
  await sup.stopAll();
});

test("uWSGI ready at byte 1: a reload waits for the boot's byte 5, then the next 5 ends it", async () => {
  const stateDir = tmpDir("emperor-sup-");
  // "early" catches a reload sent before the boot's byte 5, which would make that 5 ambiguous.
  const script = `printf '\\001' >&3; timeout 0.5 head -c 1 <&3 > early; printf '\\005' >&3; head -c 1 <&3 > reload; printf '\\005' >&3; head -c 1 <&3 >/dev/null`;
  const events: SupervisorEvent[] = [];
  const sup = new Supervisor({ stateDir, vassalBinary: fakeUwsgi(stateDir, script), workDir: stateDir, onEvent: (e) => events.push(e) });
  await sup.start();
  sup.apply("app.ini", "[uwsgi]\n");
  await waitFor(() => events.some((e) => e.type === "spawned"), 5000, "spawned");
  sup.reload("app.ini");
  expect(sup.list()[0]!.state).toBe("running");
  await waitFor(() => events.some((e) => e.type === "reloaded"), 5000, "reloaded");
  expect(readFileSync(join(stateDir, "early")).length).toBe(0);
  expect(readFileSync(join(stateDir, "reload"))).toEqual(Buffer.of(1));
  await sup.stopAll();
});

test("reloads asked for during a uWSGI reload are sent one at a time, after it is done", async () => {
  const stateDir = tmpDir("emperor-sup-");
  const step = (n: number) => `head -c 1 <&3 >/dev/null; echo r${n} >> log; sleep 0.2; printf '\\005' >&3;`;
  const script = `printf '\\005' >&3; ${step(1)} ${step(2)} head -c 1 <&3 >/dev/null; echo end >> log`;
  const events: SupervisorEvent[] = [];
  const sup = new Supervisor({ stateDir, vassalBinary: fakeUwsgi(stateDir, script), workDir: stateDir, onEvent: (e) => events.push(e) });
  await sup.start();
  sup.apply("app.ini", "[uwsgi]\n");
  await waitFor(() => events.some((e) => e.type === "spawned"), 5000, "spawned");
  sup.reload("app.ini");
  sup.reload("app.ini");
  sup.apply("app.ini", "[uwsgi]\n# new\n");
  await waitFor(() => events.some((e) => e.type === "reloaded"), 5000, "reloaded");
  expect(readFileSync(join(stateDir, "log"), "utf8")).toBe("r1\nr2\n");
  expect(events.filter((e) => e.type === "reloaded")).toHaveLength(1);
  await sup.stopAll();
  expect(readFileSync(join(stateDir, "log"), "utf8")).toBe("r1\nr2\nend\n");
});

test("a uWSGI vassal that asks to stop (byte 22) is stopped, not restarted, until reloaded", async () => {
  const stateDir = tmpDir("emperor-sup-");
  const script = `echo start >> starts; printf '\\005' >&3; sleep 0.1; printf '\\026' >&3; head -c 1 <&3 > got`;
  const events: SupervisorEvent[] = [];
  const clock = new FakeClock();
  const sup = new Supervisor({
    stateDir,
    vassalBinary: fakeUwsgi(stateDir, script),
    workDir: stateDir,
    clock,
    onEvent: (e) => events.push(e),
  });
  await sup.start();
  sup.apply("idle.ini", "[uwsgi]\n");
  await waitFor(() => sup.list()[0]?.state === "stopped", 5000, "stopped at its request");
  expect(readFileSync(join(stateDir, "got"))).toEqual(Buffer.of(0));
  // No restart is due (no timer at all), not even after the throttle's longest delay.
  expect(clock.pending()).toEqual([]);
  clock.advance(180_000);
  expect(readFileSync(join(stateDir, "starts"), "utf8")).toBe("start\n");
  expect(events.map((e) => e.type)).toEqual(["spawned"]);
  sup.reload("idle.ini");
  await waitFor(() => readFileSync(join(stateDir, "starts"), "utf8") === "start\nstart\n", 5000, "started again");
  await waitFor(() => events.some((e) => e.type === "reloaded"), 5000, "reloaded");
  await waitFor(() => sup.list()[0]?.state === "stopped", 5000, "stopped again");
  await sup.destroy("idle.ini");
  expect(events.at(-1)).toEqual({ type: "destroyed", name: "idle.ini" });
});

test("an apply waiting for its name's destroy does not start anything once stopAll began", async () => {
  const { events, sup } = setup();
  await sup.start();
  sup.apply("w.toml", sleeper());
  await waitFor(() => events.some((e) => e.type === "spawned"), 5000, "spawned");
  const gone = sup.destroy("w.toml");
  sup.apply("w.toml", sleeper('env = { AGAIN = "1" }\n'));
  await sup.stopAll();
  await gone;
  // A non-event cannot be awaited: time for a wrongly started vassal to have shown up.
  await Bun.sleep(100);
  expect(sup.list()).toEqual([]);
  expect(events.filter((e) => e.type === "spawned")).toHaveLength(1);
});

test("an apply waiting for its name's destroy starts the new vassal once the old one is reaped", async () => {
  const { events, sup } = setup();
  await sup.start();
  sup.apply("w.toml", sleeper());
  await waitFor(() => events.some((e) => e.type === "spawned"), 5000, "spawned");
  const first = sup.list()[0]!.pid!;
  const gone = sup.destroy("w.toml");
  sup.apply("w.toml", sleeper());
  await gone;
  await waitFor(() => events.filter((e) => e.type === "spawned").length === 2, 5000, "second spawn");
  expect(events.map((e) => e.type)).toEqual(["spawned", "destroyed", "spawned"]);
  expect(alive(first)).toBe(false);
  await sup.stopAll();
});

test("a vassal being destroyed stays in status as stopping until it is reaped", async () => {
  const { sup } = setup();
  await sup.start();
  // Ignores SIGTERM, so it lives until the SIGKILL after stop_timeout.
  sup.apply("slow.toml", `[vassal]\ncommand = "sh"\nargs = ["-c", "trap '' TERM; while true; do sleep 0.05; done"]\nstop_timeout = 1\n`);
  const pid = await waitFor(() => sup.list()[0]?.pid, 5000, "slow.toml spawned");
  const gone = sup.destroy("slow.toml");
  expect(sup.has("slow.toml")).toBe(false);
  expect(sup.departing()).toMatchObject([{ name: "slow.toml", state: "stopping", pid }]);
  expect(emperorStatus(sup, {}).vassals).toMatchObject([{ name: "slow.toml", state: "stopping", pid }]);
  expect(alive(pid)).toBe(true);
  await gone;
  expect(sup.departing()).toEqual([]);
  expect(alive(pid)).toBe(false);
});
