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

const EMPEROR = resolve(import.meta.dir, "../dist/emperor");
const UWSGI = Bun.which("uwsgi");
const root = mkdtempSync(join(tmpdir(), "emperor-bench-"));
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

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
  times.sort((a, b) => a - b);
  console.log(
    `file change → restarted vassal running: median ${times[5]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times[9]!.toFixed(0)}, 10 runs)`,
  );
  const t1 = performance.now();
  await stop(proc, "SIGTERM");
  console.log(`SIGTERM → 200 vassals stopped and emperor exited: ${(performance.now() - t1).toFixed(0)} ms`);
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

async function uwsgiBench(): Promise<void> {
  if (!UWSGI) return console.log("uwsgi not installed: uWSGI comparison skipped");
  const ours = await uwsgiDir("uwsgi-ours");
  let t0 = performance.now();
  const em = await startEmperor(ours.dir, join(root, "uwsgi-ours-state"));
  const oursMs = await allAnswer(ours.ports, t0);
  await stop(em.proc, "SIGTERM");

  const theirs = await uwsgiDir("uwsgi-theirs");
  t0 = performance.now();
  const u = startProc(UWSGI, ["--emperor", theirs.dir]);
  const theirsMs = await allAnswer(theirs.ports, t0);
  await stop(u, "SIGINT");
  console.log("50 uWSGI vassals, start → all answer a uwsgi request:");
  console.log(`  dist/emperor --emperor DIR   ${oursMs.toFixed(0)} ms`);
  console.log(`  uwsgi --emperor DIR          ${theirsMs.toFixed(0)} ms`);
}

try {
  await plainBench();
  await uwsgiBench();
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
}
