/**
 * `zeus status`: the emperors and vassals of a running zeus, as tables (or its JSON).
 *
 * @module
 */
import { defineCommand, parseCommand } from "../cli/command.ts";
import { ago, fetchStatus, renderTable } from "../stats/mod.ts";
import type { ZeusStatus } from "./zeus_status.ts";

/** Where `zeus status` looks when --stats is not given. */
export const DEFAULT_STATS = "127.0.0.1:4041";

/** Why a vassal lacks copies, for the NOTE column: too few emperors, or no free slot. */
function waitingNote(state: string, copies: number, alive: number): string | undefined {
  if (state !== "pending" && state !== "partial") return undefined;
  if (copies > alive) return `needs ${copies} distinct emperors, ${alive} alive`;
  return "waiting for a free slot";
}

/**
 * Renders a zeus `/status` document as two tables and a counters line.
 *
 * @example
 * ```ts
 * process.stdout.write(renderZeusStatus(await fetchStatus("127.0.0.1:4041") as ZeusStatus));
 * ```
 */
export function renderZeusStatus(s: ZeusStatus, now = Date.now()): string {
  // A lost emperor's RUNNING is a stale report: "-" rather than a number that looks current.
  const emperors = renderTable(
    ["EMPEROR", "ALIVE", "REMOTE", "MAX", "RUNNING", "ASSIGNED", "LAST HEARTBEAT"],
    s.emperors.map((e) => [
      e.node,
      e.alive ? "yes" : "no",
      e.remote || "-",
      e.max_vassals,
      e.alive ? e.running : "-",
      e.assigned,
      ago(e.last_heartbeat, now),
    ]),
  );
  const alive = s.emperors.filter((e) => e.alive).length;
  const vassals = renderTable(
    ["VASSAL", "STATE", "COPIES", "EMPERORS (pid)", "RESTARTS", "NOTE"],
    s.vassals.map((v) => [
      v.name,
      v.state,
      `${v.emperors.length}/${v.copies}`,
      v.emperors.map((c) => `${c.node}(${c.pid || "-"})`).join(" ") || "-",
      v.restarts,
      v.error ?? waitingNote(v.state, v.copies, alive),
    ]),
  );
  const counters = Object.entries(s.counters)
    .map(([k, n]) => `${k}=${n}`)
    .join(" ");
  return `${emperors}\n${vassals}\n${s.settling ? "settling: waiting for emperors to report\n" : ""}counters: ${counters}\n`;
}

const STATUS = defineCommand({
  program: "zeus",
  sub: "status",
  summary: "print a zeus's emperors and vassals from its --stats address",
  help: `Usage:
  zeus status [--stats ADDR:PORT] [--json]

Prints the emperors (alive, slots, last heartbeat) and vassals (state, copies, where, why
waiting) of a running zeus, read from GET /status at its --stats address.
  --stats ADDR:PORT   where zeus serves --stats (default ${DEFAULT_STATS})
  --json              print the raw JSON`,
  flags: { stats: { type: "string", default: DEFAULT_STATS }, json: { type: "boolean" } },
});

/** Runs `zeus status [--stats ADDR:PORT] [--json]`; returns the exit code. */
export async function runStatusCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(STATUS, args);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const status = (await fetchStatus(values.stats!)) as ZeusStatus;
  process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : renderZeusStatus(status));
  return 0;
}
