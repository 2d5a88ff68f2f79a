// Emperor benchmarks (figures, not pass/fail; run by `make bench` after `make`):
//  1. 200 plain vassal files appear → all 200 running (seen in /status);
//  2. a vassal file changes → its restarted process is running (median of 10);
//  3. 50 real uWSGI vassals: time until all 50 answer a uwsgi request, under dist/emperor
//     and under uWSGI's own `uwsgi --emperor DIR`, side by side.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { encodePacket, encodeVars } from "../mod.ts";
import { freePort } from "../tests/helpers/procs.ts";

const EMPEROR = resolve(import.meta.dir, "../dist/emperor");
const UWSGI = Bun.which("uwsgi");
const root = mkdtempSync(join(tmpdir(), "emperor-bench-"));
const children: ChildProcess[] = [];

function startProc(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ["ignore", "ignore", "ignore"] });
  children.push(c);
  return c;
}

async function stop(c: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const done = new Promise((res) => c.once("exit", res));
  c.kill(sig);
  const timer = setTimeout(() => c.kill("SIGKILL"), 30_000);
  await done;
  clearTimeout(timer);
}

async function until<T>(f: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

type Status = { vassals: { name: string; state: string; pid?: number }[] };
async function status(port: number): Promise<Status> {
  return (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as Status;
}

async function startEmperor(dir: string, state: string): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const proc = startProc(EMPEROR, ["--emperor", dir, "--state-dir", state, "--stats", `127.0.0.1:${port}`, "--log-level", "error"]);
  await until(() => status(port), 10_000, "emperor /status");
  return { proc, port };
}

const sleeper = (tag: string) => `[vassal]\ncommand = "sleep"\nargs = ["600"]\nenv = { TAG = "${tag}" }\nstop_timeout = 2\n`;

async function plainBench(): Promise<void> {
  const dir = join(root, "plain");
  mkdirSync(dir);
  const { proc, port } = await startEmperor(dir, join(root, "plain-state"));
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) writeFileSync(join(dir, `v${i}.toml`), sleeper("a"));
  await until(
    async () => ((await status(port)).vassals.filter((v) => v.state === "running").length === 200 ? true : undefined),
    60_000,
    "200 running",
  );
  console.log(`200 plain vassal files appear → all running: ${(performance.now() - t0).toFixed(0)} ms`);

  const fresh: number[] = [];
  for (let i = 0; i < 10; i++) {
    const name = `new${i}.toml`;
    const t = performance.now();
    writeFileSync(join(dir, name), sleeper("n"));
    await until(
      async () => ((await status(port)).vassals.find((x) => x.name === name)?.state === "running" ? true : undefined),
      20_000,
      `${name} running`,
    );
    fresh.push(performance.now() - t);
  }
  console.log(`one new vassal file → running: ${summary(fresh)}`);

  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const name = `v${i}.toml`;
    const before = (await status(port)).vassals.find((v) => v.name === name)!.pid;
    const t = performance.now();
    writeFileSync(join(dir, name), sleeper(`b${i}`));
    await until(
      async () => {
        const v = (await status(port)).vassals.find((x) => x.name === name);
        return v?.state === "running" && v.pid !== before ? true : undefined;
      },
      20_000,
      `${name} restarted`,
    );
    times.push(performance.now() - t);
  }
  console.log(`file change → restarted vassal running: ${summary(times)}`);
  const t1 = performance.now();
  await stop(proc, "SIGTERM");
  console.log(`SIGTERM → 210 vassals stopped and emperor exited: ${(performance.now() - t1).toFixed(0)} ms`);
}

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(0);
  return `median ${f(sorted[Math.floor(sorted.length / 2)]!)} ms (min ${f(sorted[0]!)}, max ${f(sorted.at(-1)!)}, ${ms.length} runs)`;
}

async function answers(port: number): Promise<boolean> {
  const payload = encodeVars({
    REQUEST_METHOD: "GET",
    PATH_INFO: "/",
    QUERY_STRING: "",
    SERVER_NAME: "b",
    SERVER_PORT: "80",
    SERVER_PROTOCOL: "HTTP/1.1",
  });
  return await new Promise((res) => {
    const s = connect(port, "127.0.0.1", () => s.write(encodePacket({ modifier1: 0, modifier2: 0, payload })));
    let out = "";
    s.on("data", (d) => (out += d));
    s.on("end", () => res(out.endsWith("ok")));
    s.on("error", () => res(false));
    s.setTimeout(2000, () => s.destroy());
  });
}

async function uwsgiDir(tag: string): Promise<{ dir: string; ports: number[] }> {
  const dir = join(root, tag);
  mkdirSync(dir);
  writeFileSync(join(dir, "app.py"), 'def application(e, sr):\n    sr("200 OK", [])\n    return [b"ok"]\n');
  const ports: number[] = [];
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    ports.push(port);
    writeFileSync(
      join(dir, `app${i}.ini`),
      `[uwsgi]\nplugin = python3\nsocket = 127.0.0.1:${port}\nwsgi-file = ${join(dir, "app.py")}\nmaster = true\nprocesses = 1\n`,
    );
  }
  return { dir, ports };
}

async function allAnswer(ports: number[], t0: number): Promise<number> {
  const pending = new Set(ports);
  await until(
    async () => {
      await Promise.all([...pending].map(async (p) => (await answers(p)) && pending.delete(p)));
      return pending.size === 0 ? true : undefined;
    },
    120_000,
    "50 uWSGI vassals answering",
  );
  return performance.now() - t0;
}

async function runOurs(round: number): Promise<number> {
  const { dir, ports } = await uwsgiDir(`uwsgi-ours-${round}`);
  const t0 = performance.now();
  const em = await startEmperor(dir, join(root, `uwsgi-ours-state-${round}`));
  const ms = await allAnswer(ports, t0);
  await stop(em.proc, "SIGTERM");
  return ms;
}

async function runTheirs(round: number): Promise<number> {
  const { dir, ports } = await uwsgiDir(`uwsgi-theirs-${round}`);
  const t0 = performance.now();
  const u = startProc(UWSGI!, ["--emperor", dir]);
  const ms = await allAnswer(ports, t0);
  await stop(u, "SIGINT");
  return ms;
}

async function uwsgiBench(): Promise<void> {
  if (!UWSGI) return console.log("uwsgi not installed: uWSGI comparison skipped");
  const ours: number[] = [];
  const theirs: number[] = [];
  // Alternate, so neither side always runs on a warmer machine.
  for (let round = 0; round < 3; round++) {
    ours.push(await runOurs(round));
    theirs.push(await runTheirs(round));
  }
  const list = (ms: number[]) => ms.map((x) => `${x.toFixed(0)} ms`).join(", ");
  console.log("50 uWSGI vassals (master + 1 worker each), start → all answer a uwsgi request:");
  console.log(`  dist/emperor --emperor DIR   ${summary(ours)}: ${list(ours)}`);
  console.log(`  uwsgi --emperor DIR          ${summary(theirs)}: ${list(theirs)}`);
}

try {
  await plainBench();
  await uwsgiBench();
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
}
