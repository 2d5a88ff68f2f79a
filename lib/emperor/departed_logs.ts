/**
 * The logs of vassals that left this emperor (failed, stopped, moved away): kept in
 * STATE_DIR/logs for `--log-keep-departed` (default 24 h) so that `zeus logs VASSAL@NODE`
 * and `emperor logs` can still read why, then removed; and all of them together kept under
 * `--log-keep-departed-size` (default 1 GB), the oldest removed first. A log's departure
 * time is its file's mtime, set when its vassal leaves ({@link markDeparted}).
 *
 * @module
 */
import { readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { errCode, UsageError } from "../errors.ts";
import { parseDuration, parseSize } from "../config/mod.ts";
import { getLogger } from "../log/mod.ts";

const log = getLogger("emperor", "departed-logs");

/** How long, and how much, the logs of departed vassals are kept. */
export interface DepartedPolicy {
  keepMs: number;
  maxBytes: number;
}

/** The defaults: 24 hours, 1 GB. */
export const DEPARTED_DEFAULTS: DepartedPolicy = { keepMs: 24 * 3600_000, maxBytes: 1_000_000_000 };

/** One departed vassal's log: NAME.log and its rotated files, their size, and when it left. */
export interface DepartedLog {
  name: string;
  files: string[];
  bytes: number;
  departedAt: number;
}

/**
 * Which departed logs to remove now (pure): those older than `keepMs`, then the oldest of
 * the rest until their total is at most `maxBytes`; each with why.
 *
 * @example
 * ```ts
 * departedToRemove([{ name: "a.toml", files: ["a.toml.log"], bytes: 10, departedAt: 0 }], 25 * 3600_000, DEPARTED_DEFAULTS);
 * // [{ name: "a.toml", why: "departed 25.0h ago, over --log-keep-departed 24.0h" }]
 * ```
 */
export function departedToRemove(logs: readonly DepartedLog[], now: number, policy: DepartedPolicy): { name: string; why: string }[] {
  const out: { name: string; why: string }[] = [];
  const kept: DepartedLog[] = [];
  for (const l of logs) {
    if (now - l.departedAt > policy.keepMs)
      out.push({ name: l.name, why: `departed ${span(now - l.departedAt)} ago, over --log-keep-departed ${span(policy.keepMs)}` });
    else kept.push(l);
  }
  let total = kept.reduce((n, l) => n + l.bytes, 0);
  for (const l of [...kept].sort((a, b) => a.departedAt - b.departedAt || (a.name < b.name ? -1 : 1))) {
    if (total <= policy.maxBytes) break;
    out.push({ name: l.name, why: `the departed logs hold ${total} bytes, over --log-keep-departed-size ${policy.maxBytes}` });
    total -= l.bytes;
  }
  return out;
}

/** A duration as a person reads it: "40s", "25m", "25.0h". */
function span(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 2 * 3600_000) return `${Math.round(ms / 60_000)}m`;
  return `${(ms / 3600_000).toFixed(1)}h`;
}

/** NAME of a log file "NAME.log" or "NAME.log.N", or undefined. */
function logName(file: string): string | undefined {
  return /^(.+)\.log(?:\.\d+)?$/.exec(file)?.[1];
}

/**
 * The logs in `logsDir` of vassals `here` does not hold (I/O).
 *
 * @throws {Error} when the directory cannot be read
 */
export function scanDeparted(logsDir: string, here: (name: string) => boolean): DepartedLog[] {
  const byName = new Map<string, DepartedLog>();
  for (const file of readdirSync(logsDir)) {
    const name = logName(file);
    if (name === undefined || here(name)) continue;
    let st;
    try {
      st = statSync(join(logsDir, file));
    } catch (e) {
      if (errCode(e) === "ENOENT") continue; // removed meanwhile (a rotation)
      throw e;
    }
    if (!st.isFile()) continue;
    const l = byName.get(name) ?? { name, files: [], bytes: 0, departedAt: 0 };
    l.files.push(file);
    l.bytes += st.size;
    // NAME.log's mtime is set at departure; rotated files are older.
    l.departedAt = Math.max(l.departedAt, st.mtimeMs);
    byName.set(name, l);
  }
  return [...byName.values()];
}

/**
 * Marks vassal `name`'s log in `stateDir` as departed now (its mtime), so that it is kept
 * the whole retention from now, however long the vassal was quiet before it left.
 *
 * @example
 * ```ts
 * markDeparted("/var/lib/emperor", "web.toml");
 * ```
 */
export function markDeparted(stateDir: string, name: string, now = Date.now()): void {
  try {
    utimesSync(join(stateDir, "logs", `${name}.log`), now / 1000, now / 1000);
  } catch (e) {
    if (errCode(e) !== "ENOENT") log.warn("cannot mark the log of {name} departed: {error}", { name, error: errCode(e) });
  }
}

/**
 * Removes the departed logs `policy` no longer keeps from `stateDir`/logs; returns the
 * names removed. A failure is logged, never thrown: the emperor goes on.
 *
 * @example
 * ```ts
 * sweepDeparted("/var/lib/emperor", DEPARTED_DEFAULTS, (name) => supervisor.has(name));
 * ```
 */
export function sweepDeparted(stateDir: string, policy: DepartedPolicy, here: (name: string) => boolean, now = Date.now()): string[] {
  const dir = join(stateDir, "logs");
  let logs: DepartedLog[];
  try {
    logs = scanDeparted(dir, here);
  } catch (e) {
    log.warn("cannot read {dir} to remove old logs of departed vassals: {error}", { dir, error: errCode(e) });
    return [];
  }
  const removed: string[] = [];
  for (const { name, why } of departedToRemove(logs, now, policy)) {
    const l = logs.find((x) => x.name === name)!;
    try {
      for (const f of l.files) rmSync(join(dir, f), { force: true });
      removed.push(name);
      log.info("removed the log of departed vassal {name} ({why})", { name, why });
    } catch (e) {
      log.warn("cannot remove the log of departed vassal {name}: {error}", { name, error: errCode(e) });
    }
  }
  return removed;
}

/**
 * The policy of `--log-keep-departed DURATION` and `--log-keep-departed-size SIZE`
 * (defaults {@link DEPARTED_DEFAULTS}).
 *
 * @throws {UsageError} on a value that is not a duration (30m, 24h, 7d) or a size (500MB, 1GB)
 * @example
 * ```ts
 * departedFlags("2d", undefined); // { keepMs: 172_800_000, maxBytes: 1_000_000_000 }
 * ```
 */
export function departedFlags(keep: string | undefined, size: string | undefined): DepartedPolicy {
  const keepMs = keep === undefined ? DEPARTED_DEFAULTS.keepMs : parseDuration(keep);
  if (keepMs === undefined) throw new UsageError(`--log-keep-departed "${keep}" is not a duration: give 30m, 24h or 7d`);
  const maxBytes = size === undefined ? DEPARTED_DEFAULTS.maxBytes : parseSize(size);
  if (maxBytes === undefined) throw new UsageError(`--log-keep-departed-size "${size}" is not a size: give 500MB or 1GB`);
  return { keepMs, maxBytes };
}
