/**
 * Runs one health probe (the I/O edge of {@link HealthSchedule}): an HTTP GET that must
 * answer 2xx or 3xx, a TCP connect, or a command that must exit 0 — each within the
 * check's timeout.
 *
 * @module
 */
import { connect } from "node:net";
import type { CheckTarget } from "../vassal/mod.ts";
import { errCode } from "../errors.ts";
import { fetchIsSafe, startHttpClient } from "../net/mod.ts";

/** A probe's outcome: passed or not, and a short description for status and logs. */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/**
 * Gets a probe of `target` ready while descriptors are there: an HTTP check starts Bun's HTTP
 * client now ({@link startHttpClient}), so that its first fetch, during a flood of
 * connections that took the descriptors, does not end the whole process.
 *
 * @example
 * ```ts
 * probeReady({ kind: "http", url: "http://127.0.0.1:8001/health" });
 * ```
 */
export function probeReady(target: CheckTarget): void {
  if (target.kind === "http") startHttpClient();
}

async function http(url: string, timeoutMs: number): Promise<ProbeResult> {
  if (!fetchIsSafe()) return { ok: false, detail: "EMFILE: too few descriptors free to start the HTTP client" };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    await res.body?.cancel();
    return { ok: res.status >= 200 && res.status < 400, detail: `HTTP ${res.status}` };
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.name === "TimeoutError" || err.name === "AbortError") return { ok: false, detail: `no answer within ${timeoutMs / 1000} s` };
    return { ok: false, detail: err.code ?? err.message };
  }
}

function tcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (r: ProbeResult) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `no connection within ${timeoutMs / 1000} s` }), timeoutMs);
    sock.once("connect", () => done({ ok: true, detail: "connected" }));
    sock.once("error", (e) => done({ ok: false, detail: errCode(e) }));
  });
}

async function exec(command: string, args: string[], cwd: string, timeoutMs: number): Promise<ProbeResult> {
  let proc: Bun.Subprocess;
  try {
    proc = Bun.spawn([command, ...args], { cwd, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  } catch (e) {
    return { ok: false, detail: `cannot run ${command}: ${errCode(e)}` };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  if (timedOut) return { ok: false, detail: `did not finish within ${timeoutMs / 1000} s` };
  return { ok: code === 0, detail: `exit ${code}` };
}

/**
 * Probes `target` once; never throws.
 *
 * @param cwd working directory of an `exec:` check (the vassal's)
 * @example
 * ```ts
 * const r = await probe({ kind: "tcp", host: "127.0.0.1", port: 8001 }, 2000, "/srv/app");
 * if (!r.ok) console.log(r.detail); // "ECONNREFUSED"
 * ```
 */
export function probe(target: CheckTarget, timeoutMs: number, cwd: string): Promise<ProbeResult> {
  switch (target.kind) {
    case "http":
      return http(target.url, timeoutMs);
    case "tcp":
      return tcp(target.host, target.port, timeoutMs);
    case "exec":
      return exec(target.command, target.args, cwd, timeoutMs);
  }
}
