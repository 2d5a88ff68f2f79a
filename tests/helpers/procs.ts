/**
 * Test helpers: real processes (always killed by pid), temp dirs, ports, polling.
 *
 * @module
 */
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Folder holding the compiled binaries (`make` builds them); `ZOG_DIST` names another, e.g.
 * one of wrappers running `bun --cpu-prof-md cmd/zeus.ts` to profile a bench (docs/scale.md).
 */
export const DIST = process.env.ZOG_DIST ?? resolve(import.meta.dir, "../../dist");

/** Path of a compiled binary, e.g. `bin("zog")`. */
export function bin(name: "zog" | "sprog" | "zeus" | "emperor" | "cf-messages"): string {
  return join(DIST, name);
}

/** A started process with its collected output. */
export interface Proc {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or 128+signal) when the process ends. */
  exited: Promise<number>;
}

const started = new Set<Proc>();

/**
 * Starts a process and remembers its pid so {@link killAll} ends it.
 *
 * @example
 * ```ts
 * const p = start(bin("zog"), ["--config", cfg]);
 * ```
 */
export function start(cmd: string, args: string[], opts: SpawnOptions = {}): Proc {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (err += d));
  // The exit can be seen before the last output has been read: wait for the pipes to close
  // too, but not for ever (a child left behind may hold them open).
  const piped = [child.stdout, child.stderr].filter((s) => s !== null);
  const closed = Promise.all(
    piped.map((s) => new Promise<void>((res) => (s.readableEnded || s.destroyed ? res() : s.once("close", () => res())))),
  );
  const exited = new Promise<number>((res) => {
    child.on("exit", (code, signal) => {
      const status = code ?? 128 + (signal ? (require("node:os").constants.signals[signal] ?? 0) : 0);
      // A grandchild holding the pipes open must not hold up the exit: at most 2 s for the output to end.
      void Promise.race([closed, Bun.sleep(2000)]).then(() => res(status));
    });
    child.on("error", () => res(-1));
  });
  const proc: Proc = { child, pid: child.pid ?? -1, stdout: () => out, stderr: () => err, exited };
  started.add(proc);
  exited.then(() => started.delete(proc));
  return proc;
}

/**
 * Runs a command to completion and returns its exit code and output.
 *
 * @example
 * ```ts
 * const r = await run(bin("zog"), ["--version"]);
 * ```
 */
export async function run(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}) {
  const p = start(cmd, args, { ...opts, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  if (opts.input !== undefined) p.child.stdin!.end(opts.input);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Kills (SIGKILL, by pid) every process started by {@link start} that is still running. */
export async function killAll(): Promise<void> {
  const procs = [...started];
  for (const p of procs) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await Promise.all(procs.map((p) => p.exited));
}

/** A fresh temp dir; {@link removeTmpDirs} deletes every one made. */
export function tmpDir(prefix = "zogtest-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
const made: string[] = [];

/** Deletes the temp dirs made by {@link tmpDir}. */
export function removeTmpDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * A TCP port that was free on `host` a moment ago, drawn at random from below the kernel's
 * ephemeral range: a port the kernel handed out (`listen(0)`) can be handed out again at
 * once as the source port of some other test's outgoing connection, before the daemon
 * under test binds it, and the daemon then fails with EADDRINUSE. A port is never handed
 * out twice in one process, so ports asked for together (or one freed by a killed daemon
 * that a restart will bind again) are always distinct.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (;;) {
    const port = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW));
    if (handedOut.has(port) || !(await bindable(host, port))) continue;
    handedOut.add(port);
    return port;
  }
}

/** Ports tests draw from: under Linux's default ephemeral range (32768-60999). */
const PORT_LOW = 10_000;
const PORT_HIGH = 32_000;
const handedOut = new Set<number>();

function bindable(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.on("error", () => res(false));
    s.listen(port, host, () => s.close(() => res(true)));
  });
}

/**
 * {@link waitFor} for a process coming up: throws at once, with the end of its stderr, if
 * any of `procs` exits before `cond` holds (a daemon that failed to bind, say), rather than
 * after the whole timeout with no reason.
 */
export async function waitUp<T>(
  procs: Proc | Proc[],
  cond: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<NonNullable<T>> {
  const list = Array.isArray(procs) ? procs : [procs];
  return await waitFor(
    async () => {
      const dead = list.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
      if (dead) throw new Error(`pid ${dead.pid} exited before ${what}: ${dead.stderr().trim().split("\n").slice(-3).join(" | ")}`);
      return await cond();
    },
    timeoutMs,
    what,
  );
}

/**
 * Polls `cond` every 20 ms until it returns a truthy value, or throws after `timeoutMs`
 * with `what` in the message.
 *
 * @example
 * ```ts
 * await waitFor(() => existsSync(log), 5000, "access.log");
 * ```
 */
export async function waitFor<T>(cond: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    // waitFor's poll interval: the conditions are outside this process (files, ports, other processes).
    await Bun.sleep(20);
  }
}
