/**
 * `retain` of ring.toml and the time spans of `sprog listen --since`: durations ("7d",
 * "90m") and sizes ("500MB", "2GiB"). Pure: text in, numbers out.
 *
 * @module
 */

/** What a node keeps for replay: messages younger than `ageMs`, the newest `bytes` of them. */
export interface Retain {
  ageMs?: number;
  bytes?: number;
}

/** The default `retain`: seven days. */
export const DEFAULT_RETAIN = "7d";

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * A duration in milliseconds, or undefined when `text` is not one.
 *
 * @example
 * ```ts
 * parseDuration("90m"); // 5_400_000
 * parseDuration("1.5h"); // 5_400_000
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!;
  return ms > 0 ? Math.round(ms) : undefined;
}

/**
 * A size in bytes, or undefined when `text` is not one.
 *
 * @example
 * ```ts
 * parseSize("500MB"); // 500_000_000
 * parseSize("2GiB"); // 2_147_483_648
 * ```
 */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  const unit = m && SIZE_UNITS[m[2]!.toLowerCase()];
  if (!m || !unit) return undefined;
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes > 0 ? bytes : undefined;
}

/**
 * Parses `retain`: an age, a size, or both ("7d", "10GB", "7d 10GB", "7d, 10GB").
 *
 * @throws {RangeError} saying what is wrong and what is accepted
 * @example
 * ```ts
 * parseRetain("7d 10GB"); // { ageMs: 604_800_000, bytes: 10_000_000_000 }
 * ```
 */
export function parseRetain(text: string): Retain {
  const parts = text.split(/[\s,]+/).filter((p) => p !== "");
  const retain: Retain = {};
  const help = 'an age (30s, 90m, 12h, 7d, 2w) and/or a size (500MB, 2GiB), e.g. "7d 10GB"';
  if (parts.length === 0 || parts.length > 2) throw new RangeError(`retain "${text}" is not ${help}`);
  for (const p of parts) {
    const age = parseDuration(p);
    const bytes = age === undefined ? parseSize(p) : undefined;
    if (age !== undefined && retain.ageMs === undefined) retain.ageMs = age;
    else if (bytes !== undefined && retain.bytes === undefined) retain.bytes = bytes;
    else throw new RangeError(`retain "${text}": "${p}" is not ${age !== undefined || bytes !== undefined ? "allowed twice" : help}`);
  }
  return retain;
}
