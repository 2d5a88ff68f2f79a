/**
 * Cgroup limits in `[vassal]`: `memory_max` (a size, as "256M"), `cpu_max` (a share of one
 * CPU, as "50%", or the cgroup syntax "QUOTA PERIOD" in microseconds) and
 * `pids_max` (a count). Written to the vassal's cgroup v2 files. Pure.
 *
 * @module
 */
import { ConfigProblems, type Fields, intField } from "../config/mod.ts";
import { parseSize } from "./log_config.ts";

/** The `[vassal]` keys of cgroup limits. */
export const CGROUP_KEYS = ["memory_max", "cpu_max", "pids_max"] as const;

/** Limits as cgroup v2 file contents (`memory.max`, `cpu.max`, `pids.max`). */
export interface CgroupLimits {
  memoryMax?: string;
  cpuMax?: string;
  pidsMax?: string;
}

/** The period `cpu_max = "N%"` is spread over, in microseconds (the kernel default). */
const CPU_PERIOD_US = 100_000;

/**
 * The limits asked for in a `[vassal]` table, or undefined without any.
 *
 * @throws {ConfigError} `FILE:LINE` on a size under 1M, a malformed cpu_max, pids_max out of 1..4194304
 *   (a ConfigErrors when several are wrong)
 * @example
 * ```ts
 * declare const fields: Fields;
 * cgroupLimitsFromToml(fields); // { memoryMax: "268435456", cpuMax: "50000 100000" } for memory_max = "256M", cpu_max = "50%"
 * ```
 */
export function cgroupLimitsFromToml(f: Fields): CgroupLimits | undefined {
  const limits: CgroupLimits = {};
  const p = new ConfigProblems();
  const mem = f.table.memory_max;
  if (mem !== undefined) {
    const n = parseSize(mem);
    if (n === undefined || n < 1024 * 1024)
      p.take(
        () => f.failKey("memory_max", `memory_max must be a size of at least 1M, as 268435456 or "256M", got ${JSON.stringify(mem)}`),
        undefined,
      );
    else limits.memoryMax = String(n);
  }
  const cpu = f.table.cpu_max;
  if (cpu !== undefined) {
    const v = cpuMax(cpu);
    const what = `cpu_max must be a share of CPUs as "50%" or "200%", or "QUOTA PERIOD" in microseconds, got ${JSON.stringify(cpu)}`;
    if (!v) p.take(() => f.failKey("cpu_max", what), undefined);
    else limits.cpuMax = v;
  }
  if (f.table.pids_max !== undefined) p.take(() => (limits.pidsMax = String(intField(f, "pids_max", 0, 1, 4_194_304))), "");
  p.throwIfAny();
  return Object.keys(limits).length > 0 ? limits : undefined;
}

/** `cpu.max` contents for a `cpu_max` value, or undefined when malformed. */
function cpuMax(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  const pct = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v);
  if (pct) {
    const quota = Math.round((Number(pct[1]) / 100) * CPU_PERIOD_US);
    return quota >= 1000 ? `${quota} ${CPU_PERIOD_US}` : undefined;
  }
  const pair = /^\s*(\d{4,9})\s+(\d{4,7})\s*$/.exec(v);
  if (pair && Number(pair[2]) >= 1000 && Number(pair[2]) <= 1_000_000) return `${pair[1]} ${pair[2]}`;
  return undefined;
}
