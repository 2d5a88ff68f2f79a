// dist/emperor --emperor DIR with plain vassals: files appear, change, are touched and go.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { alive, startEmperor, writeShVassal } from "./_emperor.ts";

afterEach(killAll);
afterAll(removeTmpDirs);

test("a new file starts, a change restarts with the new config, a touch reloads, a removal stops", async () => {
  const em = await startEmperor();
  // Each start appends its greeting; SIGHUP (the reload rule) appends "hup".
  // The trap is set before the greeting is written, so a greeting in `out` means HUP is caught.
  const script = 'trap "echo hup >> out" HUP; echo "$GREETING" >> out; while true; do sleep 0.05; done';
  writeShVassal(em.dir, "web.toml", script, 'env = { GREETING = "one" }\nreload = "signal:SIGHUP"\n');
  const pid1 = await em.running("web.toml");
  await waitFor(() => existsSync(join(em.dir, "out")) && readFileSync(join(em.dir, "out"), "utf8") === "one\n", 5000, "first start");

  writeShVassal(em.dir, "web.toml", script, 'env = { GREETING = "two" }\nreload = "signal:SIGHUP"\n');
  const pid2 = await em.running("web.toml", pid1);
  await waitFor(() => readFileSync(join(em.dir, "out"), "utf8") === "one\ntwo\n", 5000, "restart with the new env");
  expect(alive(pid1)).toBe(false);

  const later = new Date(Date.now() + 5000);
  utimesSync(join(em.dir, "web.toml"), later, later);
  await waitFor(() => readFileSync(join(em.dir, "out"), "utf8") === "one\ntwo\nhup\n", 5000, "SIGHUP on touch");
  expect((await em.vassal("web.toml"))?.pid).toBe(pid2);

  rmSync(join(em.dir, "web.toml"));
  await waitFor(async () => (await em.vassal("web.toml")) === undefined, 15_000, "vassal gone from /status");
  await waitFor(() => !alive(pid2), 5000, "vassal process gone");
  expect(readFileSync(join(em.stateDir, "logs", "web.toml.log"), "utf8")).toBe("");
}, 60_000);

test("a touched restart-rule vassal is restarted; its output goes to STATE/logs/NAME.log", async () => {
  const em = await startEmperor();
  writeShVassal(em.dir, "r.toml", "echo started $$; exec sleep 600");
  const pid1 = await em.running("r.toml");
  const log = join(em.stateDir, "logs", "r.toml.log");
  // Touched once its first line is out: a restart before that would (rightly) lose it.
  await waitFor(() => existsSync(log) && readFileSync(log, "utf8") === `started ${pid1}\n`, 10_000, "the first run's line");
  const later = new Date(Date.now() + 5000);
  utimesSync(join(em.dir, "r.toml"), later, later);
  const pid2 = await em.running("r.toml", pid1);
  await waitFor(() => !alive(pid1), 5000, "old process gone");
  await waitFor(() => readFileSync(log, "utf8").split("\n").length === 3, 5000, "two lines in the log");
  expect(readFileSync(log, "utf8")).toBe(`started ${pid1}\nstarted ${pid2}\n`);
}, 60_000);

test("a crash-looping vassal is throttled: a handful of starts in 6 s, not hundreds", async () => {
  const em = await startEmperor();
  writeShVassal(em.dir, "crash.toml", "echo start >> starts; exit 3");
  // The throttle is measured over real time in the compiled emperor (the unit tests use the fake clock).
  await Bun.sleep(6000);
  const starts = readFileSync(join(em.dir, "starts"), "utf8").split("\n").filter(Boolean).length;
  // Delays 1, 2, 4 s: starts at 0, 1, 3, 7 s.
  expect(starts).toBeGreaterThanOrEqual(2);
  expect(starts).toBeLessThanOrEqual(5);
  const v = await em.vassal("crash.toml");
  expect(v?.restarts).toBe(starts);
  expect(v?.last_exit).toMatchObject({ code: 3, signal: null });
}, 30_000);

test("bad vassal files are reported with file and reason; the good one runs", async () => {
  const em = await startEmperor();
  writeFileSync(join(em.dir, "syntax.toml"), '[vassal]\ncommand = "sleep\n');
  writeFileSync(join(em.dir, "nocmd.toml"), '[vassal]\nargs = ["1"]\n');
  writeFileSync(join(em.dir, "sig.toml"), '[vassal]\ncommand = "sleep"\nstop_signal = "SIGBOGUS"\n');
  writeFileSync(join(em.dir, "key.toml"), '[vassal]\ncommand = "sleep"\nstop_timout = 3\n');
  writeFileSync(join(em.dir, "bad name.toml"), '[vassal]\ncommand = "sleep"\nargs = ["600"]\n');
  writeFileSync(join(em.dir, "noini.ini"), "[other]\n");
  writeShVassal(em.dir, "good.toml", "exec sleep 600");
  await em.running("good.toml");
  const err = () => em.proc.stderr();
  await waitFor(() => err().includes("noini.ini"), 5000, "the reports");
  const f = (n: string) => join(em.dir, n);
  expect(err()).toMatch(new RegExp(`ERR.*${f("syntax.toml")}:2: `));
  expect(err()).toContain(`${f("nocmd.toml")}:1: [vassal] has no command\n`);
  expect(err()).toContain(`${f("sig.toml")}:3: [vassal] stop_signal "SIGBOGUS" is not a signal\n`);
  expect(err()).toContain(`${f("key.toml")}:3: `);
  expect(err()).toContain('has unknown key "stop_timout"');
  expect(err()).toContain(`${f("bad name.toml")}: Vassal name "bad name.toml" is not allowed: it contains " "\n`);
  expect(err()).toContain(`${f("noini.ini")}: has no [uwsgi] section\n`);
  expect((await em.vassals()).map((v) => v.name)).toEqual(["good.toml"]);
  expect(existsSync(join(em.stateDir, "vassals", "bad name.toml"))).toBe(false);

  // Fixing a bad file starts it.
  writeShVassal(em.dir, "nocmd.toml", "exec sleep 600");
  await em.running("nocmd.toml");
}, 60_000);

test("a vassal file symlinked into the directory runs like a file", async () => {
  const em = await startEmperor();
  const elsewhere = tmpDir("emperor-app-");
  writeShVassal(elsewhere, "linked.toml", "exec sleep 600");
  symlinkSync(join(elsewhere, "linked.toml"), join(em.dir, "linked.toml"));
  await em.running("linked.toml");
}, 30_000);

test('--emperor "DIR/GLOB" (uWSGI style) runs only the matching vassal files', async () => {
  const dir = tmpDir("emperor-dir-");
  const em = await startEmperor({ dir: join(dir, "web-*.toml") });
  writeShVassal(dir, "other.toml", "exec sleep 600");
  writeShVassal(dir, "web-a.toml", "exec sleep 600");
  await em.running("web-a.toml");
  expect((await em.vassals()).map((v) => v.name)).toEqual(["web-a.toml"]);
}, 30_000);

test("vassal logs: SIGHUP reopens them (logrotate's move), log_max_size rotates them, log_keep bounds the count", async () => {
  const em = await startEmperor();
  const script = "i=0; while :; do i=$((i+1)); echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; sleep 0.005; done";
  writeShVassal(em.dir, "chatty.toml", script, 'log_max_size = "2K"\nlog_keep = 2\n');
  writeShVassal(em.dir, "plain.toml", "while :; do echo tick; sleep 0.02; done");
  await em.running("chatty.toml");
  await em.running("plain.toml");
  const logs = join(em.stateDir, "logs");
  // chatty.toml rotates every few milliseconds: a file can be missing between the emperor's
  // renames, so sizes are read as -1 then, never as an error.
  const size = (f: string) => {
    try {
      return statSync(join(logs, f)).size;
    } catch {
      return -1;
    }
  };
  await waitFor(() => size("chatty.toml.log.2") > 0 && size("chatty.toml.log.1") > 0, 15_000, "two rotated files");
  for (const f of ["chatty.toml.log", "chatty.toml.log.1", "chatty.toml.log.2"]) expect(size(f)).toBeLessThanOrEqual(2048);
  expect(existsSync(join(logs, "chatty.toml.log.3"))).toBe(false);
  // logrotate's way: move the file, then SIGHUP; the emperor writes to a new NAME.log.
  const plain = join(logs, "plain.toml.log");
  await waitFor(() => existsSync(plain) && statSync(plain).size > 0, 5000, "plain.toml's output");
  renameSync(plain, `${plain}.1`);
  process.kill(em.proc.pid, "SIGHUP");
  await waitFor(() => existsSync(plain) && statSync(plain).size > 0, 5000, "a new plain.toml.log");
  await waitFor(() => /SIGHUP: rescanning; \d+ vassal log\(s\) reopened/.test(em.proc.stderr()), 5000, "the SIGHUP line");
  const moved = statSync(`${plain}.1`).size;
  await waitFor(() => statSync(plain).size > 100, 5000, "plain.toml.log growing");
  expect(statSync(`${plain}.1`).size).toBe(moved);
}, 40_000);
