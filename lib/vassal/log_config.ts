/**
 * Vassal log rotation settings: in a `.toml`'s `[vassal]`, `log_max_size` (bytes, or "10M",
 * "512K", "1G") and `log_keep` (rotated files kept, default 5); in an `.ini`'s `[uwsgi]`,
 * `emperor-log-max-size` and `emperor-log-keep` (read by the emperor, which writes the
 * vassal's output; uWSGI takes unknown keys as placeholders). Pure.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { type Fields, intField } from "../config/mod.ts";
import type { IniValue } from "./fleet_config.ts";

/** The `[vassal]` keys of log rotation. */
export const LOG_KEYS = ["log_max_size", "log_keep"] as const;

/** How a vassal's log is rotated: past `maxSize` bytes it becomes NAME.log.1, and so on up to `keep`. */
export interface LogRotation {
  maxSize: number;
  keep: number;
}

const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/**
 * Parses a size: a whole number of bytes, or a string such as "512K", "10M", "1G" (a
 * trailing "B" or "iB" is allowed). Returns undefined when it is not one.
 *
 * @example
 * ```ts
 * parseSize("10M"); // 10485760
 * ```
 */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isInteger(v) && v > 0 ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?\s*$/i.exec(v);
  if (!m) return undefined;
  const n = Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
  return n > 0 ? n : undefined;
}

/**
 * The rotation asked for in a `[vassal]` table, or undefined without `log_max_size`.
 *
 * @throws {ConfigError} on a bad size, a `log_keep` out of 1..100, or `log_keep` alone
 */
export function logRotationFromToml(f: Fields): LogRotation | undefined {
  const raw = f.table.log_max_size;
  if (raw === undefined) {
    if (f.table.log_keep !== undefined) f.failKey("log_keep", "log_keep needs log_max_size (the size at which the log is rotated)");
    return undefined;
  }
  const maxSize = parseSize(raw);
  if (maxSize === undefined || maxSize < 1024)
    f.failKey("log_max_size", `log_max_size must be a size of at least 1K, as 10485760 or "10M", got ${JSON.stringify(raw)}`);
  return { maxSize, keep: intField(f, "log_keep", 5, 1, 100) };
}

/** The `[uwsgi]` keys of log rotation. */
export const INI_LOG_KEYS = { maxSize: "emperor-log-max-size", keep: "emperor-log-keep" } as const;

/**
 * The rotation asked for in an ini's `[uwsgi]` values, or undefined without
 * `emperor-log-max-size`.
 *
 * @throws {ConfigError} `FILE:LINE` on a bad size, an `emperor-log-keep` out of 1..100 or alone
 * @example
 * ```ts
 * logRotationFromIni("app.ini", new Map([["emperor-log-max-size", { value: "10M", line: 4 }]])); // { maxSize: 10485760, keep: 5 }
 * ```
 */
export function logRotationFromIni(file: string, values: ReadonlyMap<string, IniValue>): LogRotation | undefined {
  const size = values.get(INI_LOG_KEYS.maxSize);
  const keep = values.get(INI_LOG_KEYS.keep);
  if (!size) {
    if (keep)
      throw new ConfigError(file, `${INI_LOG_KEYS.keep} needs ${INI_LOG_KEYS.maxSize} (the size at which the log is rotated)`, keep.line);
    return undefined;
  }
  const maxSize = parseSize(/^\d+$/.test(size.value) ? Number(size.value) : size.value);
  if (maxSize === undefined || maxSize < 1024)
    throw new ConfigError(
      file,
      `${INI_LOG_KEYS.maxSize} must be a size of at least 1K, as 10485760 or 10M, got "${size.value}"`,
      size.line,
    );
  if (keep && !(/^\d{1,3}$/.test(keep.value) && Number(keep.value) >= 1 && Number(keep.value) <= 100))
    throw new ConfigError(file, `${INI_LOG_KEYS.keep} must be a whole number from 1 to 100, got "${keep.value}"`, keep.line);
  return { maxSize, keep: keep ? Number(keep.value) : 5 };
}
