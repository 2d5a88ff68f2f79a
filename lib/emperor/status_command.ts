/**
 * `emperor status`: the vassals of a running emperor as a table (or its JSON), read from
 * its `--stats` endpoint.
 *
 * @module
 */
import { parseFlags } from "../cli/flags.ts";
import { UsageError } from "../errors.ts";
import { fetchStatus, renderTable } from "../stats/mod.ts";
import type { VassalStatus } from "./types.ts";

/** A duration as the largest whole unit: "42s", "5m", "3h", "2d". */
function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/**
 * Renders an emperor's `/status` document as a table, times relative to `now`.
 *
 * @example
 * ```ts
 * renderEmperorStatus({ vassals: [{ name: "web.toml", kind: "plain", state: "running", pid: 42, restarts: 0, since: 0 }] }, 5000);
 * // VASSAL    KIND   STATE    PID  RESTARTS  LAST EXIT  FOR
 * // web.toml  plain  running  42   0         -          5s
 * ```
 */
export function renderEmperorStatus(s: { vassals: VassalStatus[] }, now: number): string {
  return renderTable(
    ["VASSAL", "KIND", "STATE", "PID", "RESTARTS", "LAST EXIT", "FOR"],
    s.vassals.map((v) => [
      v.name,
      v.kind,
      v.state,
      v.pid,
      v.restarts,
      v.lastExit ? `${v.lastExit.signal ?? `code ${v.lastExit.code}`} ${ago(now - v.lastExit.at)} ago` : undefined,
      ago(now - v.since),
    ]),
  );
}

/**
 * Runs `emperor status --stats ADDR:PORT [--json]`; returns the exit code.
 *
 * @throws {UsageError} without --stats
 * @throws {Error} when the stats endpoint cannot be reached
 */
export async function runStatusCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { stats: { type: "string" }, json: { type: "boolean" } });
  if (values.stats === undefined)
    throw new UsageError("emperor status needs --stats ADDR:PORT (the address the emperor serves --stats on)");
  const status = (await fetchStatus(values.stats)) as { vassals: VassalStatus[] };
  process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : renderEmperorStatus(status, Date.now()));
  return 0;
}
