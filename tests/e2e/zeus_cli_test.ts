// zeus's command line: usage errors are one line and exit 2; status and metrics read a running zeus.
import { afterAll, afterEach, expect, test } from "bun:test";
import { bin, freePort, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { allRunning, sleeper, startEmperor, startZeus, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("bad flags and specs: one line on stderr, exit 2", async () => {
  const dir = tmpDir();
  const cases: [string[], string][] = [
    [["--listen", "nowhere", "--vassals", dir], '--listen: Address "nowhere" has no port'],
    [["--listen", "127.0.0.1:4040"], "give --zeus SPEC, or --listen ADDR:PORT and --vassals DIR"],
    [["--zeus", "127.0.0.1:4040,only.crt " + dir], "Zeus spec"],
    [["--listen", "127.0.0.1:4040", "--vassals", dir, "--restore"], "--restore needs --state FILE"],
    [["--listen", "127.0.0.1:4040", "--vassals", dir, "--fresh"], "--fresh needs --state FILE"],
    [["--listen", "127.0.0.1:4040", "--vassals", dir, "--state", "s.json", "--fresh", "--restore"], "--fresh and --restore contradict"],
    [["--listen", "127.0.0.1:4040", "--vassals", dir, "--dead-after", "soon"], '--dead-after "soon" is not a number'],
    [["--listen", "127.0.0.1:4040", "--vassals", dir, "--client-ca", "ca.crt"], "--client-ca needs --cert and --key"],
  ];
  for (const [args, message] of cases) {
    const r = await run(bin("zeus"), args);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(message);
  }
  const e = await run(bin("emperor"), ["--emperor", "zeus:127.0.0.1:4040", "--max-vassals", "0"]);
  expect(e.code).toBe(2);
  expect(e.stderr).toContain('--max-vassals "0" is not an integer ≥ 1');
});

test("a missing vassals directory or an unwritable state file is one clear line, exit 1", async () => {
  const r = await run(bin("zeus"), ["--listen", `127.0.0.1:${await freePort()}`, "--vassals", "/nonexistent/vassals"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("cannot watch vassals directory /nonexistent/vassals: ENOENT");
  const s = await run(bin("zeus"), [
    "--listen",
    `127.0.0.1:${await freePort()}`,
    "--vassals",
    tmpDir(),
    "--state",
    "/nonexistent/state.json",
  ]);
  expect(s.code).toBe(1);
  expect(s.stderr.trimEnd().split("\n").at(-1)).toBe("zeus: cannot write state file /nonexistent/state.json: ENOENT");
});

test("zeus status prints tables or JSON; /metrics has the counts; emperors show their link", async () => {
  const z = await startZeus();
  writeVassals(z.dir, { "a.toml": sleeper(), "b.toml": sleeper(), "broken.toml": "[vassal\n", "notes.txt": "ignored" });
  const e = await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
  const s = await waitFor(
    async () => {
      const st = await z.status();
      return st?.vassals.filter((v) => v.state === "running").length === 2 ? st : undefined;
    },
    20_000,
    "a.toml and b.toml running",
  );
  expect(s.vassals.map((v) => [v.name, v.state])).toEqual([
    ["a.toml", "running"],
    ["b.toml", "running"],
    ["broken.toml", "config-error"],
  ]);
  const table = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z.statsPort}`]);
  expect(table.stdout).toMatch(/^e1\s+yes\s+127\.0\.0\.1:\d+\s+100\s+\d\s+2\s/m);
  expect(table.stdout).toMatch(/^broken\.toml\s+config-error\s+0\/1\s+-\s+0\s+broken\.toml:\d+: /m);
  const json = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z.statsPort}`, "--json"]);
  expect(JSON.parse(json.stdout).emperors[0].node).toBe("e1");
  const metrics = await (await fetch(`http://127.0.0.1:${z.statsPort}/metrics`)).text();
  expect(metrics).toContain('zeus_vassals{state="running"} 2');
  expect(metrics).toContain('zeus_vassals{state="config-error"} 1');
  // Every state has its series, 0 included, so a query on one does not vanish when it empties.
  for (const state of ["pending", "placing", "partial", "moving", "updating", "backoff", "unhealthy", "stopped", "failed"])
    expect(metrics).toContain(`zeus_vassals{state="${state}"} 0`);
  expect(metrics).toContain('zeus_emperor_vassals{node="e1"} 2');
  expect((await e.status())!.zeus).toMatchObject({ state: "connected", zeus: `127.0.0.1:${z.port}`, tls: false });
  const down = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${await freePort()}`]);
  expect(down.code).toBe(1);
  expect(down.stderr).toContain("cannot reach stats at");
}, 60_000);

test("SIGHUP: zeus rescans its directory; an emperor under zeus says it has nothing to rescan; both keep running", async () => {
  const z = await startZeus();
  const e = await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
  writeVassals(z.dir, { "a.toml": sleeper() });
  await allRunning(z, 1);
  process.kill(z.proc.pid, "SIGHUP");
  process.kill(e.proc.pid, "SIGHUP");
  await waitFor(() => z.proc.stderr().includes(`SIGHUP: rescanning ${z.dir}`), 5000, "zeus's rescan line");
  await waitFor(() => e.proc.stderr().includes("SIGHUP: nothing to rescan under zeus"), 5000, "the emperor's line");
  writeVassals(z.dir, { "b.toml": sleeper() });
  await allRunning(z, 2);
  expect((await e.status())!.vassals.map((v) => v.state)).toEqual(["running", "running"]);
}, 60_000);
