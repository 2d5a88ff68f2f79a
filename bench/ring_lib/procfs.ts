/**
 * What the benchmark reads of other processes in /proc: CPU time and resident memory.
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Clock ticks per second of /proc/PID/stat (getconf CLK_TCK; 100 on Linux). */
const TICK_MS = 10;

/** User + system CPU time of the processes `pids`, in milliseconds (0 for one that is gone). */
export function cpuMs(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command (which may hold spaces) in parentheses: utime is the 12th, stime the 13th.
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(f[11]) + Number(f[12])) * TICK_MS;
    } catch {
      // gone: nothing to add
    }
  }
  return total;
}

/** The CPU time of some processes at one moment: in ticks (all threads, the dead ones too) and by live thread in ns. */
export interface CpuSnapshot {
  ticksMs: number;
  /** "pid/tid" → ns on a CPU (the first field of /proc/PID/task/TID/schedstat). */
  threads: Map<string, number>;
}

/**
 * CPU time of `pids` now, for {@link cpuMsSince}.
 *
 * @example
 * ```ts
 * const before = cpuSnapshot([process.pid]); // ... cpuMsSince(before, [process.pid])
 * ```
 */
export function cpuSnapshot(pids: number[]): CpuSnapshot {
  const threads = new Map<string, number>();
  for (const pid of pids) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      // gone: nothing to add
    }
    for (const tid of tids) {
      try {
        threads.set(`${pid}/${tid}`, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]));
      } catch {
        // the thread ended meanwhile: cpuMsSince falls back to ticks
      }
    }
  }
  return { ticksMs: cpuMs(pids), threads };
}

/**
 * User + system CPU time of `pids` since `before`, in ms: to the nanosecond from each
 * thread's schedstat when every thread of `before` is still there (a thread started since
 * counts whole), else in clock ticks from /proc/PID/stat (10 ms each per process: ±10 µs a
 * message over 5 000 messages of five processes, too coarse for a quick run).
 *
 * @example
 * ```ts
 * const before = cpuSnapshot(pids); await load(); console.log(cpuMsSince(before, pids));
 * ```
 */
export function cpuMsSince(before: CpuSnapshot, pids: number[]): number {
  const now = cpuSnapshot(pids);
  let ns = 0;
  for (const [tid, t] of now.threads) ns += t - (before.threads.get(tid) ?? 0);
  const allThere = [...before.threads.keys()].every((tid) => now.threads.has(tid));
  return allThere ? ns / 1e6 : now.ticksMs - before.ticksMs;
}

/** Resident memory of `pid` in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  return rssParts(pid).rss;
}

/**
 * Resident memory of `pid` in MiB: all of it (VmRSS), the process's own (RssAnon), and
 * pages of files it maps (RssFile: mostly its executable's code, shared with every process
 * running the same executable).
 */
export function rssParts(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: kib("VmRSS"), anon: kib("RssAnon"), file: kib("RssFile") };
}

/** Size of a file in bytes, 0 when it does not exist. */
export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Bytes of every file under `dir` whose name ends with `suffix`, 0 when there is none. */
export function bytesUnder(dir: string, suffix: string): number {
  let total = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) total += bytesUnder(p, suffix);
      else if (e.name.endsWith(suffix)) total += sizeOf(p);
    }
  } catch {
    // not there yet
  }
  return total;
}

/**
 * CPU time (ms) of every thread of the processes `pids`, summed by thread name (the main
 * thread as "main", others by their name without a trailing number: "JITWorker",
 * "HeapHelper", "Bun Pool ..."), user and system apart. A thread gone meanwhile is skipped.
 */
export function threadCpuMs(pids: number[]): Map<string, { user: number; system: number }> {
  const byName = new Map<string, { user: number; system: number }>();
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // the process is gone
    }
    for (const tid of tids) {
      try {
        const name = tid === String(pid) ? "main" : readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim().replace(/\d+$/, "");
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const t = byName.get(name) ?? { user: 0, system: 0 };
        t.user += Number(f[11]) * TICK_MS;
        t.system += Number(f[12]) * TICK_MS;
        byName.set(name, t);
      } catch {
        // the thread ended between the listing and the read
      }
    }
  }
  return byName;
}

/** The machine's CPU time so far, in clock ticks (/proc/stat): all of it, idle, and idle waiting for I/O. */
export function machineTicks(): { total: number; idle: number; iowait: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { total: f.reduce((a, b) => a + b, 0), idle: f[3]! + f[4]!, iowait: f[4]! };
}

/**
 * Write system calls of the processes `pids` so far (`syscw` of /proc/PID/io: write,
 * pwrite and the like on files and sockets; not send/sendto), 0 for one that is gone.
 */
export function writeCalls(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(/^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1] ?? 0);
    } catch {
      // gone: nothing to add
    }
  }
  return total;
}

/**
 * Voluntary context switches so far of each thread of process `pid` (from
 * /proc/PID/task/TID/status), by thread id: each is a thread going to sleep (to wait for a
 * timer, a socket, a lock), so their growth over a quiet stretch counts the process's
 * wake-ups. The others (a thread put off the CPU while it could run) count the machine's
 * load, not the process's work, and are left out. Empty when the process is gone; a thread
 * gone meanwhile is skipped.
 */
export function contextSwitches(pid: number): Map<string, number> {
  const byThread = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byThread; // the process is gone
  }
  for (const tid of tids) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      let n = 0;
      for (const m of status.matchAll(/^voluntary_ctxt_switches:\s+(\d+)$/gm)) n += Number(m[1]);
      byThread.set(tid, n);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byThread;
}

/**
 * Wake-ups per second of each process of `pids` (median) over the next `ms`
 * ({@link contextSwitches}: the growth of each thread there at the end, all of a thread
 * started meanwhile; a thread that ended meanwhile is not counted).
 */
export async function wakeupsPerSecond(pids: number[], ms: number): Promise<number> {
  const before = pids.map((p) => contextSwitches(p));
  // The quiet stretch itself is what is measured.
  await Bun.sleep(ms);
  const rates = pids
    .map((p, i) => {
      let n = 0;
      for (const [tid, now] of contextSwitches(p)) n += now - (before[i]!.get(tid) ?? 0);
      return (n * 1000) / ms;
    })
    .sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? Number.NaN;
}
