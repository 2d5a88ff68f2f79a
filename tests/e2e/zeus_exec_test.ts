// zeus exec / zeus logs (seed 001's client) and emperor exec / logs, with the built
// binaries: output and exit codes, stdin, terminals (under `script` and tmux), killed
// callers, refusals, flow control.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, closeSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cgroup2Mount } from "../../lib/emperor/cgroup.ts";
import { bin, removeTmpDirs, run, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { allRunning, type EmperorProc, sleeper, startEmperor, startZeus, stopAll, writeVassals, type ZeusProc } from "./_zeus.ts";

let z: ZeusProc;
let e1: EmperorProc;
let cwd = "";
beforeAll(async () => {
  z = await startZeus();
  cwd = tmpDir("exec-cwd-");
  writeVassals(z.dir, { "app.toml": sleeper(`cwd = "${cwd}"\nenv = { GREETING = "hi from app" }\n`) });
  e1 = await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
  await allRunning(z, 1);
});
afterAll(async () => {
  await stopAll();
  removeTmpDirs();
});

const exec = (args: string[], opts: { input?: string } = {}) => run(bin("zeus"), ["exec", "--zeus", `127.0.0.1:${z.port}`, ...args], opts);

/** Live `argv0` processes whose command line contains `marker` (this machine is where the emperor runs them). */
function processesWith(marker: string, argv0 = "sleep"): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8");
      const state = /State:\s+(\w)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1];
      if (cmd.startsWith(`${argv0}\0`) && cmd.includes(marker) && state !== "Z") out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

test("stdout, stderr and the exit code come back; it runs in the vassal's cwd and env; zeus and the emperor log it", async () => {
  const r = await exec(["app.toml", "--", "sh", "-c", 'echo out; echo err >&2; pwd; echo "$GREETING"; exit 3']);
  expect(r.stdout).toBe(`out\n${cwd}\nhi from app\n`);
  expect(r.stderr).toBe("err\n");
  expect(r.code).toBe(3);
  await waitFor(
    () => /exec by 127\.0\.0\.1:\d+ on app\.toml@e1: \["sh","-c",.*\] ended, exit 3, after/.test(z.proc.stderr()),
    5000,
    "zeus's exec log line",
  );
  await waitFor(
    () => /exec by 127\.0\.0\.1:\d+ via zeus in app\.toml: \["sh".*ended, exit 3, after/.test(e1.proc.stderr()),
    5000,
    "the emperor's exec log line",
  );
}, 30_000);

test("a command killed by a signal gives 128 + its number; unknown vassal 253; a missing command 127", async () => {
  expect((await exec(["app.toml", "--", "sh", "-c", "kill -TERM $$"])).code).toBe(143);
  const none = await exec(["nope.toml", "--", "true"]);
  expect(none.stderr).toContain('zeus has no vassal "nope.toml"');
  expect(none.code).toBe(253);
  const where = await exec(["app.toml@e9", "--", "true"]);
  expect(where.stderr).toContain('has no copy on "e9" (it runs on e1)');
  expect(where.code).toBe(253);
  expect((await exec(["app.toml", "--", "/no/such/command"])).code).toBe(127);
  expect((await exec(["app.toml@e1", "--", "true"])).code).toBe(0);
}, 30_000);

test("-i: 1 MB of stdin comes back through cat unchanged, EOF included; without -t there is no terminal", async () => {
  const data = randomBytes(1_000_000);
  const child = spawn(bin("zeus"), ["exec", "-i", "--zeus", `127.0.0.1:${z.port}`, "app.toml", "--", "cat"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => chunks.push(d));
  child.stdin.end(data);
  const code = await new Promise<number | null>((res) => child.on("exit", res));
  expect(Buffer.concat(chunks).equals(data)).toBe(true);
  expect(code).toBe(0);
  const tty = await exec(["app.toml", "--", "tty"]);
  expect(tty.stdout).toBe("not a tty\n");
}, 30_000);

test("-i with a stdin that cannot be read: the caller says so and exits 1 instead of waiting for ever", async () => {
  // A descriptor opened for writing only: every read fails with EBADF.
  const stdin = openSync(join(tmpDir("exec-stdin-"), "write-only"), "w");
  const child = spawn(bin("zeus"), ["exec", "-i", "--zeus", `127.0.0.1:${z.port}`, "app.toml", "--", "cat"], {
    stdio: [stdin, "pipe", "pipe"],
  });
  closeSync(stdin);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.on("close", (code) => res(code)));
  try {
    // The bound of the wait, not a sleep: it resolves as soon as the client exits.
    expect(await Promise.race([exited, Bun.sleep(15_000).then(() => "still running")])).toBe(1);
    expect(stderr).toContain("zeus exec: cannot read stdin: EBADF");
  } finally {
    child.kill("SIGKILL");
  }
}, 30_000);

test("-t: the command gets a /dev/pts terminal of the caller's size (run under script)", async () => {
  const cmd = `${bin("zeus")} exec -t --zeus 127.0.0.1:${z.port} app.toml -- sh -c 'tty; stty size'`;
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8", env: { ...process.env, COLUMNS: "", LINES: "" } });
  if (r.error) return console.log(`skipped: script(1) is not installed (${r.error.message})`);
  // The remote terminal ends lines with CRLF, and script's own terminal may add a CR.
  expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r+\n\d+ \d+\r+\n/);
  expect(r.status).toBe(0);
}, 30_000);

test("-t -i under tmux: a resize reaches the remote stty size, ^C interrupts a remote sleep (exit 130)", async () => {
  if (spawnSync("tmux", ["-V"]).error) return console.log("skipped: tmux is not installed (.ci/run installs it)");
  const sock = `zeus-exec-test-${process.pid}`;
  const tmux = (...a: string[]) => spawnSync("tmux", ["-L", sock, ...a], { encoding: "utf8" });
  const pane = () => tmux("capture-pane", "-p", "-t", "t").stdout;
  try {
    const zeus = `${bin("zeus")} exec -t -i --zeus 127.0.0.1:${z.port} app.toml --`;
    const script = `sh -c 'trap "stty size" WINCH; stty size; sleep 1000 & wait; while :; do sleep 1000 & wait; done'`;
    expect(tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", `${zeus} ${script}; echo EXIT=$?; sleep 100`).stderr).toBe("");
    await waitFor(() => pane().includes("30 100"), 10_000, "the first stty size");
    tmux("resize-window", "-t", "t", "-x", "120", "-y", "40");
    await waitFor(() => pane().includes("40 120"), 10_000, "stty size after the resize");
    tmux("send-keys", "-t", "t", "C-c");
    await waitFor(() => pane().includes("EXIT=130"), 10_000, "exit 130 after ^C");

    // A second session of the same server (killing the last session would stop the server
    // while the next one starts).
    const marker = "1000.25";
    const second = tmux("new-session", "-d", "-s", "u", "-x", "80", "-y", "24", `${zeus} sleep ${marker}; echo EXIT=$?; sleep 100`);
    expect(second.stderr).toBe("");
    await waitFor(() => processesWith(marker).length > 0, 10_000, "the remote sleep");
    tmux("send-keys", "-t", "u", "C-c");
    await waitFor(() => tmux("capture-pane", "-p", "-t", "u").stdout.includes("EXIT=130"), 10_000, "^C ends the remote sleep");
    expect(processesWith(marker)).toEqual([]);
  } finally {
    tmux("kill-server");
  }
}, 60_000);

test("killing the caller with SIGKILL leaves no remote process 2 s later", async () => {
  const marker = "1000.5";
  const caller = start(bin("zeus"), [
    "exec",
    "--zeus",
    `127.0.0.1:${z.port}`,
    "app.toml",
    "--",
    "sh",
    "-c",
    `sleep ${marker} & sleep ${marker}`,
  ]);
  await waitFor(() => processesWith(marker).length === 2, 10_000, "both remote sleeps");
  process.kill(caller.pid, "SIGKILL");
  await caller.exited;
  await waitFor(() => processesWith(marker).length === 0, 10_000, "both remote sleeps to be killed");
  expect(processesWith(marker)).toEqual([]);
  await waitFor(
    () => e1.proc.stderr().includes(`["sh","-c","sleep ${marker} & sleep ${marker}"] killed (the caller went away)`),
    5000,
    "the emperor's log",
  );
}, 30_000);

test("flow control: a caller that does not read holds the command back (its output stays near the window)", async () => {
  const marker = "31415926";
  const go = join(tmpDir("exec-flow-"), "go");
  // The caller's stdout is a pipe nobody reads until the test creates `go`.
  // In a process group of its own, so that a failing test kills the waiting subshell too.
  const caller = start(
    "sh",
    [
      "-c",
      `${bin("zeus")} exec --zeus 127.0.0.1:${z.port} app.toml -- head -c ${marker} /dev/zero | (while [ ! -e ${go} ]; do sleep 0.05; done; wc -c)`,
    ],
    { detached: true },
  );
  try {
    const head = await waitFor(() => processesWith(marker, "head")[0], 10_000, "head");
    const written = () => Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${head}/io`, "utf8"))![1]);
    // Blocked: nothing written for a while, and what was written is the window plus pipe buffers.
    let last = -1;
    await waitFor(
      async () => {
        const w = written();
        const still = w === last;
        last = w;
        // Output has stopped when two reads 300 ms apart agree: the sampling interval.
        await Bun.sleep(300);
        return still;
      },
      10_000,
      "the remote command to block",
    );
    expect(last).toBeLessThan(4 * 1024 * 1024);
    writeFileSync(go, "");
    expect(await caller.exited).toBe(0);
    expect(caller.stdout().trim()).toBe(marker);
  } finally {
    try {
      process.kill(-caller.pid, "SIGKILL");
    } catch {
      // the group is gone
    }
  }
}, 60_000);

test("zeus logs prints the last lines; -f shows a line the vassal writes after following started", async () => {
  const log = join(e1.stateDir, "logs", "app.toml.log");
  appendFileSync(log, "first\nsecond\nthird\n");
  const tail = await run(bin("zeus"), ["logs", "-n", "2", "--zeus", `127.0.0.1:${z.port}`, "app.toml"]);
  expect(tail.stdout).toBe("second\nthird\n");
  expect(tail.code).toBe(0);
  const follow = start(bin("zeus"), ["logs", "-f", "-n", "1", "--zeus", `127.0.0.1:${z.port}`, "app.toml@e1"]);
  await waitFor(() => follow.stdout() === "third\n", 10_000, "the last line");
  const line = `written after following started ${Date.now()}`;
  // The vassal writes it: its stdout is the log.
  await exec(["app.toml", "--", "sh", "-c", `echo "${line}" >> ${log}`]);
  await waitFor(() => follow.stdout().includes(line), 10_000, "the new line");
  process.kill(follow.pid, "SIGINT");
  expect(await follow.exited).toBe(130);
}, 30_000);

test("emperor exec and emperor logs go through an owner-only socket in the state dir", async () => {
  const sock = join(e1.stateDir, "run", "admin.sock");
  expect(statSync(sock).mode & 0o777).toBe(0o600);
  expect(statSync(join(e1.stateDir, "run")).mode & 0o777).toBe(0o700);
  const r = await run(bin("emperor"), ["exec", "--state-dir", e1.stateDir, "app.toml", "--", "sh", "-c", 'echo "$GREETING"; exit 5']);
  expect(r.stdout).toBe("hi from app\n");
  expect(r.code).toBe(5);
  const logs = await run(bin("emperor"), ["logs", "-n", "1", "--state-dir", e1.stateDir, "app.toml"]);
  expect(logs.code).toBe(0);
  expect(logs.stdout.endsWith("\n")).toBe(true);
  await waitFor(() => e1.proc.stderr().includes("exec by local via local socket in app.toml"), 5000, "the emperor's log");
  const gone = await run(bin("emperor"), ["exec", "--state-dir", tmpDir("no-emperor-"), "app.toml", "--", "true"]);
  expect(gone.stderr).toContain("ENOENT");
  expect(gone.code).toBe(255);
}, 30_000);

test("an emperor started with --no-exec refuses exec (254, logged) and still serves logs", async () => {
  const z2 = await startZeus();
  writeVassals(z2.dir, { "b.toml": sleeper() });
  const e2 = await startEmperor("e2", `zeus:127.0.0.1:${z2.port}`, ["--no-exec"]);
  await allRunning(z2, 1);
  const r = await run(bin("zeus"), ["exec", "--zeus", `127.0.0.1:${z2.port}`, "b.toml", "--", "true"]);
  expect(r.stderr).toContain("emperor e2 was started with --no-exec");
  expect(r.code).toBe(254);
  await waitFor(() => e2.proc.stderr().includes("refused: emperor e2 was started with --no-exec"), 5000, "the emperor's refusal log");
  const local = await run(bin("emperor"), ["exec", "--state-dir", e2.stateDir, "b.toml", "--", "true"]);
  expect(local.code).toBe(254);
  const logs = await run(bin("zeus"), ["logs", "--zeus", `127.0.0.1:${z2.port}`, "b.toml"]);
  expect(logs.code).toBe(0);
}, 30_000);

test("the command runs as the vassal's user", async () => {
  if (process.getuid?.() !== 0) return console.log("skipped: running a vassal as another user needs root");
  writeVassals(z.dir, { "nobody.toml": sleeper('user = "nobody"\n') });
  await allRunning(z, 2);
  const r = await exec(["nobody.toml", "--", "id", "-un"]);
  expect(r.stdout).toBe("nobody\n");
  expect(r.code).toBe(0);
}, 30_000);

test("the command runs in the vassal's cgroup, also when it runs as another user", async () => {
  const mount = cgroup2Mount(readFileSync("/proc/self/mountinfo", "utf8"));
  if (process.getuid?.() !== 0 || !mount)
    return console.log(`skipped: cgroups need root and a writable cgroup2 mount (cgroup2 at ${mount ?? "none"})`);
  writeVassals(z.dir, { "nobody.toml": sleeper('user = "nobody"\n') });
  await allRunning(z, 2);
  for (const name of ["app.toml", "nobody.toml"]) {
    const r = await exec([name, "--", "cat", "/proc/self/cgroup"]);
    expect(r.stdout).toMatch(new RegExp(`^0::.*/emperor-[0-9a-f]{16}/${name.replace(".", "\\.")}$`, "m"));
    expect(r.code).toBe(0);
  }
}, 30_000);

test("zeus going away mid-command: the caller exits 255 and the emperor kills the command", async () => {
  const z3 = await startZeus();
  writeVassals(z3.dir, { "c.toml": sleeper() });
  await startEmperor("e3", `zeus:127.0.0.1:${z3.port}`);
  await allRunning(z3, 1);
  const marker = "1000.75";
  const caller = start(bin("zeus"), ["exec", "--zeus", `127.0.0.1:${z3.port}`, "c.toml", "--", "sleep", marker]);
  await waitFor(() => processesWith(marker).length === 1, 10_000, "the remote sleep");
  process.kill(z3.proc.pid, "SIGKILL");
  expect(await caller.exited).toBe(255);
  expect(caller.stderr()).toContain("lost");
  await waitFor(() => processesWith(marker).length === 0, 5000, "the remote sleep killed with the lost link");
}, 30_000);

test("a caller whose output closes (| head -1) stops the command and exits 141, as SIGPIPE would", async () => {
  const r = await run("bash", [
    "-c",
    `${bin("zeus")} exec --zeus 127.0.0.1:${z.port} app.toml -- seq 1 31000000 | head -1; echo "rc=\${PIPESTATUS[0]}"`,
  ]);
  expect(r.stdout).toBe("1\nrc=141\n");
  expect(r.stderr).toBe("");
  await waitFor(() => processesWith("31000000", "seq").length === 0, 5000, "the remote seq stopped");
}, 30_000);

test("another user cannot open the emperor's socket", async () => {
  if (process.getuid?.() !== 0 || spawnSync("setpriv", ["--version"]).error)
    return console.log("skipped: needs root and setpriv to act as another user");
  const r = await run("setpriv", [
    "--reuid",
    "65534",
    "--regid",
    "65534",
    "--clear-groups",
    bin("emperor"),
    "exec",
    "--state-dir",
    e1.stateDir,
    "app.toml",
    "--",
    "true",
  ]);
  expect(r.stderr).toContain("EACCES");
  expect(r.code).toBe(255);
}, 30_000);
