// Helpers for the emperor end-to-end tests: a running dist/emperor with its stats endpoint.
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { VassalView } from "../../lib/emperor/status_view.ts";
import { bin, freePort, type Proc, start, tmpDir, waitFor, waitUp } from "../helpers/procs.ts";

/** True while `pid` names a live process (a zombie counts as dead). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** A running emperor on a vassals dir and a state dir. */
export interface Emperor {
  proc: Proc;
  dir: string;
  stateDir: string;
  statsPort: number;
  vassals(): Promise<VassalView[]>;
  vassal(name: string): Promise<VassalView | undefined>;
  /** Waits until `name` is running and returns its pid. */
  running(name: string, notPid?: number): Promise<number>;
}

/** Starts dist/emperor on `dir` (fresh dirs by default) and waits for its stats endpoint. */
export async function startEmperor(opts: { dir?: string; stateDir?: string; args?: string[] } = {}): Promise<Emperor> {
  const dir = opts.dir ?? tmpDir("emperor-dir-");
  const stateDir = opts.stateDir ?? join(tmpDir("emperor-state-"), "state");
  const statsPort = await freePort();
  const args = [
    "--emperor",
    dir,
    "--state-dir",
    stateDir,
    "--stats",
    `127.0.0.1:${statsPort}`,
    "--log-level",
    "debug",
    ...(opts.args ?? []),
  ];
  const proc = start(bin("emperor"), args);
  const vassals = async (): Promise<VassalView[]> => {
    const r = await fetch(`http://127.0.0.1:${statsPort}/status`);
    return ((await r.json()) as { vassals: VassalView[] }).vassals;
  };
  await waitUp(proc, () => vassals().catch(() => undefined), 10_000, "the emperor's /status");
  const vassal = async (name: string) => (await vassals()).find((v) => v.name === name);
  const running = async (name: string, notPid?: number) =>
    (await waitFor(
      async () => {
        const v = await vassal(name);
        return v?.state === "running" && v.pid !== undefined && v.pid !== notPid ? v.pid : undefined;
      },
      15_000,
      `vassal ${name} running${notPid ? ` with a pid other than ${notPid}` : ""}`,
    )) as number;
  return { proc, dir, stateDir, statsPort, vassals, vassal, running };
}

/**
 * Writes a plain vassal file running `sh -c script` in `cwd`, as config tools do: aside
 * (a name the emperor ignores), then renamed into place, so it is never seen half-written.
 */
export function writeShVassal(dir: string, name: string, script: string, extra = ""): void {
  const aside = join(dir, `.${name}.tmp`);
  writeFileSync(aside, `[vassal]\ncommand = "sh"\nargs = ["-c", ${JSON.stringify(script)}]\ncwd = ${JSON.stringify(dir)}\n${extra}`);
  renameSync(aside, join(dir, name));
}

/** The pid of the emperor `emperorPid`'s watchdog (its `awk` child), or undefined. */
export function watchdogPid(emperorPid: number): number | undefined {
  const { readdirSync, readFileSync } = require("node:fs") as typeof import("node:fs");
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m && m[1] === "awk" && Number(m[2]) === emperorPid) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
