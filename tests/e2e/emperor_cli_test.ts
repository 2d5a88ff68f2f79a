// dist/emperor's command line: usage errors and the --stats endpoint.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, killAll, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { startEmperor, writeShVassal } from "./_emperor.ts";

afterEach(killAll);
afterAll(removeTmpDirs);

test("usage errors are one line and exit 2", async () => {
  const dir = tmpDir();
  const cases: [string[], string][] = [
    [[], "emperor: --emperor is required: a vassals directory, or zeus:HOST:PORT\n"],
    [["--emperor", `${dir}/nope`], `emperor: --emperor "${dir}/nope" is not a directory\n`],
    [["--emperor", dir, "--stats", "nowhere"], 'emperor: Address "nowhere" has no port: expected HOST:PORT\n'],
    [["--emperor", dir, "--log-level", "loud"], 'emperor: --log-level "loud" is not one of trace, debug, info, warning, error, fatal\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await run(bin("emperor"), args);
    expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr });
  }
});

test("--stats serves /status with each vassal and /metrics in Prometheus text", async () => {
  const em = await startEmperor();
  writeShVassal(em.dir, "ok.toml", "exec sleep 600");
  writeShVassal(em.dir, "dies.toml", "exit 7");
  const pid = await em.running("ok.toml");
  const status = (await (await fetch(`http://127.0.0.1:${em.statsPort}/status`)).json()) as Record<string, unknown>;
  expect(status).toMatchObject({ mode: "dir", dir: em.dir, state_dir: em.stateDir, rejected: [] });
  expect(status.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const vassals = status.vassals as Record<string, unknown>[];
  expect(vassals.map((v) => v.name)).toEqual(["dies.toml", "ok.toml"]);
  expect(vassals[1]).toMatchObject({ name: "ok.toml", kind: "plain", state: "running", pid, restarts: 0 });
  expect(Date.parse(vassals[1]!.since as string)).toBeGreaterThan(0);
  const dies = await waitFor(async () => (await em.vassal("dies.toml"))?.last_exit, 5000, "dies.toml's exit");
  expect(dies).toMatchObject({ code: 7, signal: null });
  const metrics = await (await fetch(`http://127.0.0.1:${em.statsPort}/metrics`)).text();
  expect(metrics).toContain('emperor_vassal_up{vassal="ok.toml",kind="plain"} 1');
  expect(metrics).toContain("# TYPE emperor_vassal_restarts_total counter");
  expect(metrics).toMatch(/emperor_vassals\{state="running"\} 1/);
}, 30_000);

test("a --stats address in use is exit 1 before anything starts", async () => {
  const dir = tmpDir();
  writeShVassal(dir, "a.toml", "exec sleep 600");
  const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const r = await run(bin("emperor"), ["--emperor", dir, "--state-dir", `${dir}/state`, "--stats", `127.0.0.1:${taken.port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${taken.port}`);
    expect(existsSync(`${dir}/state`)).toBe(false);
  } finally {
    taken.stop(true);
  }
});

test("emperor status prints the running emperor's vassals (table and --json); without --stats it asks 127.0.0.1:4042", async () => {
  const em = await startEmperor();
  writeShVassal(em.dir, "ok.toml", "exec sleep 600");
  const pid = await em.running("ok.toml");
  const table = await run(bin("emperor"), ["status", "--stats", `127.0.0.1:${em.statsPort}`]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(
    new RegExp(`^VASSAL +KIND +STATE +HEALTH +PID +RESTARTS +LAST EXIT +FOR\\nok\\.toml +plain +running +- +${pid} +0 +- +\\d+s\\n$`),
  );
  const json = await run(bin("emperor"), ["status", "--stats", `127.0.0.1:${em.statsPort}`, "--json"]);
  expect(JSON.parse(json.stdout).vassals[0]).toMatchObject({ name: "ok.toml", pid });
  // Without --stats it asks the default address (where the systemd unit serves it).
  const dflt = await run(bin("emperor"), ["status", "--help"]);
  expect(dflt.stdout).toContain("--stats ADDR:PORT   where the emperor serves --stats (default 127.0.0.1:4042)");
}, 30_000);

test("a --state-dir that cannot be made is one line naming it, exit 1", async () => {
  const dir = tmpDir();
  const blocker = `${dir}/file`;
  await Bun.write(blocker, "not a folder");
  const r = await run(bin("emperor"), ["--emperor", dir, "--state-dir", `${blocker}/state`]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`emperor: cannot use --state-dir ${blocker}/state: ENOTDIR\n`);
});

test("emperor status shows a vassal's last stderr line beside its last exit (escaped, one line)", async () => {
  const em = await startEmperor();
  writeShVassal(em.dir, "dies.toml", "echo starting; printf 'Traceback\\nOSError: [Errno 98] Address already in use\\n\\n' >&2; exit 1");
  const exit = await waitFor(async () => (await em.vassal("dies.toml"))?.last_exit, 5000, "dies.toml's exit");
  expect(exit).toMatchObject({ code: 1, line: "OSError: [Errno 98] Address already in use" });
  const table = await run(bin("emperor"), ["status", "--stats", `127.0.0.1:${em.statsPort}`]);
  expect(table.stdout).toMatch(/^dies\.toml +plain +\S+ +- +\S+ +\d+ +code 1 \S+ ago: OSError: \[Errno 98\] Address already in use +\S+$/m);
}, 30_000);

test("a program that cannot run is named in one line, in the vassal's log and from emperor exec, with exit 127 or 126", async () => {
  const em = await startEmperor();
  const notExec = join(em.dir, "not-executable");
  writeFileSync(notExec, "#!/bin/sh\n");
  const vassal = (command: string) => `[vassal]\ncommand = ${JSON.stringify(command)}\nstop_timeout = 1\n`;
  writeFileSync(join(em.dir, "ghost.toml"), vassal("/nonexistent/ghost"));
  writeFileSync(join(em.dir, "bare.toml"), vassal("no-such-program-zog"));
  writeFileSync(join(em.dir, "noexec.toml"), vassal(notExec));
  const cases = [
    ["ghost.toml", 127, 'cannot run "/nonexistent/ghost": not found'],
    ["bare.toml", 127, 'cannot run "no-such-program-zog": not found in PATH'],
    ["noexec.toml", 126, `cannot run "${notExec}": permission denied`],
  ] as const;
  for (const [name, code, line] of cases) {
    await waitFor(async () => (await em.vassal(name))?.last_exit?.code === code, 15_000, `${name} exited ${code}`);
    const log = readFileSync(join(em.stateDir, "logs", `${name}.log`), "utf8");
    expect(log.split("\n")[0]).toBe(line);
    expect(log).not.toContain("exec:");
  }
  writeShVassal(em.dir, "ok.toml", "exec sleep 600");
  await em.running("ok.toml");
  const exec = await run(bin("emperor"), ["exec", "--state-dir", em.stateDir, "ok.toml", "--", "/nonexistent/tool"]);
  expect({ code: exec.code, stderr: exec.stderr }).toEqual({ code: 127, stderr: 'cannot run "/nonexistent/tool": not found\n' });
});
