/**
 * `sprog listen --since`: "all", a sequence number, a time, or how long ago. Pure.
 *
 * @module
 */
import { UsageError } from "../../errors.ts";
import { parseDuration } from "../../config/mod.ts";

/**
 * Reads `--since`: `all`, a seq (`1500`), an ISO 8601 time (`2026-12-01T21:00:00Z`, or
 * access.log's `20261201T210000Z`), or a span back from `now` (`90s`, `10m`, `2h`, `7d`).
 *
 * @throws {UsageError} saying what is accepted
 * @example
 * ```ts
 * parseSince("10m", new Date("2026-12-01T21:10:00Z")); // Date 2026-12-01T21:00:00Z
 * parseSince("1500"); // 1500
 * ```
 */
export function parseSince(text: string, now = new Date()): "all" | number | Date {
  if (text === "all") return "all";
  if (/^\d{1,15}$/.test(text) && Number(text) >= 1) return Number(text);
  const ago = parseDuration(text);
  if (ago !== undefined) return new Date(now.getTime() - ago);
  const compact = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(text);
  const iso = compact ? `${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}Z` : text;
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) ? Date.parse(iso) : NaN;
  if (!Number.isNaN(ms)) return new Date(ms);
  throw new UsageError(`--since "${text}" is not "all", a sequence number, a time (2026-12-01T21:00:00Z) or a span ago (10m, 2h, 7d)`);
}
