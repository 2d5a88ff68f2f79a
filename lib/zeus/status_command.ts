/**
 * `zeus status`: the emperors and vassals of a running zeus, as tables (or its JSON).
 *
 * @module
 */
import { drainLines } from "./drain_status.ts";
import { defineCommand, parseCommand } from "../cli/mod.ts";
import { ago, DEFAULT_STATS, fetchStatus, renderTable } from "../stats/mod.ts";
import type { VassalStatusRow, ZeusStatus } from "./zeus_status.ts";
import { EXIT } from "../errors.ts";

/** `zeus status` lists a table of up to this many rows; a longer one is summarised unless --all. */
export const SUMMARY_ABOVE = 1000;
import { followLeader } from "./standby_status.ts";

/** Why a vassal lacks copies, for the NOTE column: too few emperors, or no free slot. */
function waitingNote(state: string, copies: number, alive: number): string | undefined {
  if (state !== "pending" && state !== "partial") return undefined;
  if (copies > alive) return `needs ${copies} distinct emperors, ${alive} alive`;
  return "waiting for a free slot";
}

/** A rollout in words: "rollout: updated 1 of 3, waiting for e2", "rollout failed: ...", "rollout reverted: ...". */
function rolloutNote(r: NonNullable<VassalStatusRow["rollout"]>): string | undefined {
  if (r.state === "done" || (r.state === "rolling" && r.total <= 1)) return undefined;
  if (r.state === "rolling")
    return `rollout: updated ${r.updated} of ${r.total}${r.waiting.length ? `, waiting for ${r.waiting.join(" ")}` : ""}`;
  return `rollout ${r.state}: ${r.reason ?? ""}`;
}

/** What the copies' emperors report that is not "running": "e1 backoff exit 127". */
function copyNote(v: VassalStatusRow): string | undefined {
  const bad = v.emperors.filter((c) => c.state !== "running" || c.health === "unhealthy");
  if (bad.length === 0) return undefined;
  return bad
    .map((c) =>
      [
        c.node,
        c.state,
        c.state === "backoff" || c.state === "stopped" ? [c.exit, c.stderr].filter(Boolean).join(": ") : "",
        c.health === "unhealthy" ? `check: ${c.check ?? "failing"}` : "",
      ]
        .filter(Boolean)
        .join(" "),
    )
    .join("; ");
}

/** A copy as the EMPERORS column shows it: `e1(4242)`, with its state when it is not running. */
function copyCell(c: VassalStatusRow["emperors"][number]): string {
  // An unhealthy copy's state already says so: "e2(41):unhealthy", not ":unhealthy,unhealthy".
  const health = c.health && c.health !== "unknown" && c.health !== c.state ? `,${c.health}` : "";
  return `${c.node}(${c.pid || "-"})${c.state === "running" ? "" : `:${c.state}`}${health}`;
}

/** Several zeus: who leads since when, who stands by, the state in etcd. */
function unreadableNote(keys: string[] | undefined): string {
  if (!keys?.length) return "";
  return `; ${keys.length} key(s) that hold no vassal, which a takeover cannot restore: ${keys.join(", ")}`;
}

function haLines(s: ZeusStatus, now: number): string {
  const ha = s.ha;
  if (!ha) return "";
  const l = ha.leader;
  const silent = (s: number) => `silent for over ${s} s`;
  const leader = l
    ? `${l.id} at ${l.zeus}${l.id === ha.id ? " (this zeus)" : ""}, leading since ${l.since} (${ago(l.since, now)})` +
      (ha.leader_silent_s ? `; ${silent(ha.leader_silent_s)}: a standby takes over when its lease expires` : "")
    : "none elected yet";
  const standbys = ha.standbys.map((m) => `${m.id} at ${m.zeus}${m.id === ha.id ? " (this zeus)" : ""}`).join(", ") || "none";
  const lines = [`leader: ${leader}`, `standbys: ${standbys}`];
  if (ha.stale?.length)
    lines.push(`gone? ${ha.stale.map((m) => `${m.id} at ${m.zeus} (${silent(m.silent_s)})`).join(", ")}: dropped when their leases expire`);
  const st = ha.state;
  if (st)
    lines.push(
      `state in etcd: ${st.vassals} vassals, ${st.copies} copies, ${st.emperors} emperors (revision ${st.revision})${unreadableNote(st.unreadable)}`,
    );
  if (ha.digests_differ) lines.push(`WARNING: these zeus read another vassal set than the leader: ${ha.digests_differ.join(", ")}`);
  if (ha.last_error) lines.push(`etcd: ${ha.last_error}`);
  return `${lines.join("\n")}\n\n`;
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
  const labelled = s.emperors.some((e) => e.labels);
  const emperors = renderTable(
    ["EMPEROR", "ALIVE", "REMOTE", "MAX", "RUNNING", "ASSIGNED", "LAST HEARTBEAT", ...(labelled ? ["LABELS"] : [])],
    s.emperors.map((e) => [
      e.node,
      `${e.alive ? "yes" : "no"}${e.drain ? ` (${e.drain})` : ""}`,
      e.remote || "-",
      e.max_vassals,
      e.alive ? e.running : "-",
      e.assigned,
      ago(e.last_heartbeat, now),
      ...(labelled
        ? [
            Object.entries(e.labels ?? {})
              .map(([k, v]) => (v ? `${k}=${v}` : k))
              .join(",") || "-",
          ]
        : []),
    ]),
  );
  const sum = s.summary;
  // Emperors left out of a large status: the summary counts the alive ones.
  const alive = sum && s.emperors.length < sum.emperors ? sum.alive : s.emperors.filter((e) => e.alive && !e.drain).length;
  const vassals = renderTable(
    ["VASSAL", "STATE", "COPIES", "EMPERORS (PID)", "RESTARTS", "NOTE"],
    s.vassals.map((v) => [
      v.name,
      v.state,
      `${v.up ?? v.emperors.length}/${v.copies}`,
      v.emperors.map(copyCell).join(" ") || "-",
      v.restarts,
      v.error ?? v.note ?? (v.rollout && rolloutNote(v.rollout)) ?? copyNote(v) ?? waitingNote(v.state, v.copies, alive),
    ]),
  );
  const counters = Object.entries(s.counters)
    .map(([k, n]) => `${k}=${n}`)
    .join(" ");
  const drains = drainLines(s.emperors)
    .map((l) => `${l}\n`)
    .join("");
  const tables = [
    sum && s.emperors.length === 0 && sum.emperors > 0 ? "" : `${emperors}\n`,
    s.vassals.length === 0 && (sum?.vassals ?? 0) > 0 ? "" : `${vassals}\n`,
  ];
  return `${haLines(s, now)}${tables.join("")}${summaryLines(s)}${drains}${s.settling ? "settling: waiting for emperors to report\n" : ""}counters: ${counters}\n`;
}

/** "99990 running, 10 pending" */
const byState = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([state, n]) => `${n} ${state}`)
    .join(", ") || "none";

/** The counts of a status whose rows were not all listed (a large fleet, or a filter), and how to list them. */
function summaryLines(s: ZeusStatus): string {
  const sum = s.summary;
  if (!sum || (sum.listed.emperors >= sum.emperors && sum.listed.vassals >= sum.vassals)) return "";
  return [
    `emperors: ${sum.emperors} (${sum.alive} alive), ${sum.listed.emperors} listed`,
    `vassals: ${sum.vassals} (${byState(sum.vassal_states)}), ${sum.listed.vassals} listed`,
    `copies: ${byState(sum.copy_states)}`,
    `zeus status --all lists every row; --state STATE or --node NODE lists some`,
    "",
  ].join("\n");
}

const STATUS = defineCommand({
  program: "zeus",
  sub: "status",
  summary: "print a zeus's emperors and vassals from its --stats address",
  help: `Usage:
  zeus status [--stats ADDR:PORT] [--all | --state STATE | --node NODE] [--json]

Prints the emperors (alive, slots, last heartbeat) and vassals (state, copies, where, why
waiting) of a running zeus, read from GET /status at its --stats address. A table of more
than ${SUMMARY_ABOVE} rows is summarised (counts by state) unless --all is given. Asked of a
standby (several zeus), it prints the leader's, from the stats address the leader
advertises, under a line saying so (--json prints the standby's own document).
  --stats ADDR:PORT   where zeus serves --stats (default ${DEFAULT_STATS.zeus})
  --all               list every row, however many
  --state STATE       list the vassals in STATE (running, pending, backoff, ...)
  --node NODE         list emperor NODE and the vassals with a copy on it
  --json              print the raw JSON`,
  flags: {
    stats: { type: "string", default: DEFAULT_STATS.zeus },
    all: { type: "boolean" },
    state: { type: "string" },
    node: { type: "string" },
    json: { type: "boolean" },
  },
});

/**
 * The `/status` query of `zeus status`'s flags: every row with --all, those a filter picks,
 * else a summary of any table longer than {@link SUMMARY_ABOVE}.
 *
 * @example
 * ```ts
 * statusQuery({}); // "?max=1000"
 * statusQuery({ state: "pending" }); // "?state=pending"
 * ```
 */
export function statusQuery(flags: { all?: boolean; state?: string; node?: string }): string {
  if (flags.all) return "";
  const q = new URLSearchParams();
  if (flags.state) q.set("state", flags.state);
  if (flags.node) q.set("node", flags.node);
  if (q.size === 0) q.set("max", String(SUMMARY_ABOVE));
  return `?${q}`;
}

/**
 * A standby's status as text: the leader's tables under a line saying so, or, when the
 * leader's cannot be read, this standby's HA lines and why there are no tables.
 */
async function renderStandby(s: ZeusStatus, query: string): Promise<string> {
  const view = await followLeader(s, (addr) => fetchStatus(addr, query));
  if (view.leader) return `${view.note}\n\n${renderZeusStatus(view.leader)}`;
  return `${haLines(s, Date.now())}${view.note}\n`;
}

/** Runs `zeus status [--stats ADDR:PORT] [--json]`; returns the exit code. */
export async function runStatusCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(STATUS, args);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const query = statusQuery(values);
  const status = (await fetchStatus(values.stats!, query)) as ZeusStatus;
  if (values.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  else process.stdout.write(status.ha?.role === "standby" ? await renderStandby(status, query) : renderZeusStatus(status));
  return EXIT.ok;
}
