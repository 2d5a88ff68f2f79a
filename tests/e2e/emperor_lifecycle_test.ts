// No lost processes: SIGTERM stops every vassal, kill -9 leaves none behind, and a new
// emperor on the same state dir reaps what an earlier one left.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sessionMembers } from "../../lib/proc/proc_stat.ts";
import { bin, freePort, killAll, removeTmpDirs, run, waitFor } from "../helpers/procs.ts";
import { alive, startEmperor, watchdogPid, writeShVassal } from "./_emperor.ts";
import { UWSGI, uwsgiGet, writeUwsgiVassal } from "./_uwsgi.ts";

afterEach(killAll);
afterAll(removeTmpDirs);

/** A plain sleeper, a vassal ignoring SIGTERM, and (when installed) a uWSGI vassal; their pids. */
async function startThree() {
  const em = await startEmperor();
  writeShVassal(em.dir, "sleeper.toml", "exec sleep 600");
  writeShVassal(em.dir, "stubborn.toml", "trap '' TERM; touch trapped; while true; do sleep 0.05; done", "stop_timeout = 1\n");
  const port = await freePort();
  if (UWSGI) writeUwsgiVassal(em.dir, "app.ini", port, "hi");
  const pids = [await em.running("sleeper.toml"), await em.running("stubborn.toml")];
  if (UWSGI) {
    pids.push(await em.running("app.ini"));
    expect(await uwsgiGet(port, "/")).toBe("hi /");
  }
  return { em, pids };
}

const everyoneGone = (pids: number[]) => pids.every((p) => !alive(p) && sessionMembers(p).length === 0);

test("SIGTERM stops every vassal (SIGKILL after stop_timeout for the stubborn one) and exits 0", async () => {
  const { em, pids } = await startThree();
  await waitFor(() => existsSync(join(em.dir, "trapped")), 10_000, "the stubborn trap to be set");
  process.kill(em.proc.pid, "SIGTERM");
  expect(await em.proc.exited).toBe(0);
  expect(everyoneGone(pids)).toBe(true);
  expect(em.proc.stderr()).toContain("vassal stubborn.toml did not stop in 1 s: killing it");
}, 60_000);

test("after kill -9 of the emperor no vassal is alive 5 s later, plain and uWSGI", async () => {
  const { em, pids } = await startThree();
  process.kill(em.proc.pid, "SIGKILL");
  await em.proc.exited;
  await waitFor(() => everyoneGone(pids), 5000, `vassals ${pids.join(", ")} gone`);
}, 60_000);

test("a new emperor on the same state dir reaps what an earlier one left", async () => {
  const em = await startEmperor();
  // The grandchild is not covered by the parent-death signal: only the pid records find it.
  writeShVassal(em.dir, "forker.toml", "sleep 600 & echo $! > gc; exec sleep 600");
  const pid = await em.running("forker.toml");
  const gc = Number(
    await waitFor(() => existsSync(join(em.dir, "gc")) && readFileSync(join(em.dir, "gc"), "utf8").trim(), 5000, "the grandchild's pid"),
  );
  // The watchdog would kill the grandchild at once: take it away first, as if it had died too.
  const dog = await waitFor(() => watchdogPid(em.proc.pid), 5000, "the emperor's watchdog");
  process.kill(dog, "SIGKILL");
  process.kill(em.proc.pid, "SIGKILL");
  await em.proc.exited;
  await waitFor(() => !alive(pid), 5000, "the vassal gone by its parent-death signal");
  expect(alive(gc)).toBe(true);

  rmSync(join(em.dir, "forker.toml"));
  const next = await startEmperor({ stateDir: em.stateDir });
  await waitFor(() => !alive(gc), 5000, "the leftover grandchild reaped");
  expect(readdirSync(join(em.stateDir, "vassals"))).toEqual([]); // no stale copy of the removed file
  expect(next.proc.stderr()).toContain("vassal forker.toml (pid");
  expect(next.proc.stderr()).toContain("left running by an earlier emperor");
  process.kill(next.proc.pid, "SIGTERM");
  expect(await next.proc.exited).toBe(0);
}, 60_000);

test("a second emperor on a state dir in use refuses to start (exit 1) and leaves the first alone", async () => {
  const em = await startEmperor();
  writeShVassal(em.dir, "s.toml", "exec sleep 600");
  const pid = await em.running("s.toml");
  const r = await run(bin("emperor"), ["--emperor", em.dir, "--state-dir", em.stateDir]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`emperor: State dir "${em.stateDir}" is in use by another emperor (pid ${em.proc.pid})\n`);
  expect(alive(pid)).toBe(true);
  process.kill(em.proc.pid, "SIGTERM");
  expect(await em.proc.exited).toBe(0);
  expect(existsSync(join(em.stateDir, "emperor.pid"))).toBe(false);
}, 30_000);

test("SIGHUP rescans the directory and the emperor keeps running", async () => {
  const em = await startEmperor();
  writeShVassal(em.dir, "h.toml", "exec sleep 600");
  const pid = await em.running("h.toml");
  process.kill(em.proc.pid, "SIGHUP");
  await waitFor(() => em.proc.stderr().includes("SIGHUP: rescanning"), 5000, "the rescan");
  expect(await em.running("h.toml")).toBe(pid);
  process.kill(em.proc.pid, "SIGTERM");
  expect(await em.proc.exited).toBe(0);
}, 30_000);
