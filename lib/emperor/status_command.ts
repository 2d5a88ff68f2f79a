/**
 * `emperor status`: the vassals of a running emperor as a table (or its JSON), read from
 * its `--stats` endpoint.
 *
 * @module
 */
import { defineCommand, parseCommand } from "../cli/mod.ts";
import { DEFAULT_STATS, fetchStatus, renderTable } from "../stats/mod.ts";
import type { VassalView } from "./status_view.ts";
import type { ZeusLinkStatus } from "./zeus_link.ts";
import { EXIT } from "../errors.ts";

/** A duration as the largest whole unit: "42s", "5m", "3h", "2d". */
function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** What `emperor status` reads of `/status`. */
export interface EmperorStatusDoc {
  vassals: VassalView[];
  rejected?: { name: string; reason: string }[];
  /** Directory mode: vassals kept stopped by `emperor stop` (shown as `stopped` rows). */
  stopped?: string[];
  /** Zeus mode: the link to zeus. */
  zeus?: Pick<ZeusLinkStatus, "zeus" | "state" | "connected_since" | "last_error">;
}

/** The line of the link to zeus: how long it has been connected, or why it is not. */
function zeusLine(z: NonNullable<EmperorStatusDoc["zeus"]>, now: number): string {
  if (z.state === "connected")
    return `zeus ${z.zeus}: connected${z.connected_since ? ` for ${ago(now - Date.parse(z.connected_since))}` : ""}\n`;
  return `zeus ${z.zeus}: not connected (${z.state})${z.last_error ? `: ${z.last_error}` : ""}\n`;
}

/**
 * Renders an emperor's `/status` document as a table, times relative to `now` (under zeus,
 * after a line on the link to zeus: connected, or why not), then the vassal files it could
 * not use, one `NAME[:LINE]: reason` line each.
 *
 * @example
 * ```ts
 * renderEmperorStatus({ vassals: [{ name: "web.toml", kind: "plain", state: "running", pid: 42, restarts: 0, since: "1970-01-01T00:00:00Z" }] }, 5000);
 * // VASSAL    KIND   STATE    HEALTH  PID  RESTARTS  LAST EXIT  FOR
 * // web.toml  plain  running  -       42   0         -          5s
 * ```
 */
export function renderEmperorStatus(s: EmperorStatusDoc, now: number): string {
  const table = renderTable(
    ["VASSAL", "KIND", "STATE", "HEALTH", "PID", "RESTARTS", "LAST EXIT", "FOR"],
    [
      ...s.vassals.map((v) => [
        v.name,
        v.kind,
        v.state,
        v.check?.state,
        v.pid,
        v.restarts,
        v.last_exit
          ? `${v.last_exit.signal ?? `code ${v.last_exit.code}`} ${ago(now - Date.parse(v.last_exit.at))} ago${v.last_exit.line ? `: ${v.last_exit.line}` : ""}`
          : undefined,
        ago(now - Date.parse(v.since)),
      ]),
      ...(s.stopped ?? []).map((name) => [name, "-", "stopped", undefined, undefined, undefined, undefined, "-"]),
    ],
  );
  const failed = s.vassals.filter((v) => v.failed);
  const rejected = s.rejected ?? [];
  return [
    s.zeus ? zeusLine(s.zeus, now) : "",
    table,
    ...(failed.length > 0 ? ["\nfailed (not restarted until the file changes or emperor restart NAME):\n"] : []),
    ...failed.map((v) => `  ${v.name}: ${v.failed}\n`),
    ...(rejected.length > 0 ? ["\nfiles with errors (not running):\n"] : []),
    ...rejected.map((r) => `  ${r.reason}\n`),
  ].join("");
}

const STATUS = defineCommand({
  program: "emperor",
  sub: "status",
  summary: "print an emperor's vassals from its --stats address",
  help: `Usage:
  emperor status [--stats ADDR:PORT] [--json]

Prints the vassals of a running emperor (kind, state, health, pid, restarts, last exit),
the ones a lone emperor stopped restarting (failed, with why) and the vassal files it could
not use, read from GET /status at its --stats address; under zeus, first a line on its link
to zeus (connected, or why not and how to fix it).
  --stats ADDR:PORT   where the emperor serves --stats (default ${DEFAULT_STATS.emperor})
  --json              print the raw JSON`,
  flags: { stats: { type: "string", default: DEFAULT_STATS.emperor }, json: { type: "boolean" } },
});

/**
 * Runs `emperor status [--stats ADDR:PORT] [--json]`; returns the exit code.
 *
 * @throws {Error} when the stats endpoint cannot be reached
 */
export async function runStatusCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(STATUS, args);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const status = (await fetchStatus(values.stats!)) as EmperorStatusDoc;
  process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : renderEmperorStatus(status, Date.now()));
  return EXIT.ok;
}
