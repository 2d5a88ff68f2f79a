/**
 * What bench/zeus_scale.ts reads of a process and of zeus: RSS and CPU from /proc, and
 * the largest heartbeat age in zeus's `/status` (how late zeus has read an emperor's
 * I_AM_ALIVE), sampled while the bench runs.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";

/**
 * A process' resident memory in MiB (VmRSS) and its peak (VmHWM).
 *
 * @example
 * ```ts
 * const { rss, peak } = memoryMiB(process.pid);
 * ```
 */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? 0);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

/** Where a process' resident memory is, in MiB (its `/proc/PID/smaps`). */
export interface MemoryParts {
  /** Anonymous memory that is not executable: the engine's heap, the allocators' pages. */
  data: number;
  /** Anonymous executable memory: the JIT's code. */
  jit: number;
  /** Pages of files: the executable's, the libraries'. */
  files: number;
}

/**
 * A process' resident memory by kind, from `/proc/PID/smaps`: what a full collection can
 * give back (data) apart from the JIT's code and the executable's pages.
 *
 * @example
 * ```ts
 * const { data, jit, files } = memoryParts(process.pid);
 * ```
 */
export function memoryParts(pid: number): MemoryParts {
  const parts = { data: 0, jit: 0, files: 0 };
  let kind: keyof MemoryParts = "data";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const file = head[2]!.startsWith("/");
      kind = file ? "files" : head[1]!.includes("x") ? "jit" : "data";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) parts[kind] += Number(rss[1]) / 1024;
  }
  return parts;
}

/**
 * A process' CPU time so far (user + system), in seconds.
 *
 * @example
 * ```ts
 * const before = cpuSeconds(zeus.pid);
 * ```
 */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * zeus's `/status` (`query`: e.g. `"?summary"`), with how long it took to come, or undefined
 * when it did not come in 30 s.
 *
 * @example
 * ```ts
 * const s = await timedStatus(4041);
 * if (s) console.log(s.ms, s.status.vassals.length);
 * ```
 */
export async function timedStatus(statsPort: number, query = ""): Promise<{ status: ZeusStatus; ms: number; at: number } | undefined> {
  const t0 = performance.now();
  try {
    const res = await fetch(`http://127.0.0.1:${statsPort}/status${query}`, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) return undefined;
    const status = (await res.json()) as ZeusStatus;
    return { status, ms: performance.now() - t0, at: Date.now() };
  } catch {
    return undefined;
  }
}

/**
 * The oldest last heartbeat of the alive emperors in a `/status` read at `at` (epoch ms), in ms.
 *
 * @example
 * ```ts
 * const s = await timedStatus(4041);
 * if (s) console.log(oldestHeartbeatMs(s.status, s.at));
 * ```
 */
export function oldestHeartbeatMs(status: ZeusStatus, at: number): number {
  let oldest = 0;
  for (const e of status.emperors) {
    if (!e.alive || !e.last_heartbeat) continue;
    oldest = Math.max(oldest, at - Date.parse(e.last_heartbeat));
  }
  return oldest;
}
