/**
 * What `GET /status` and `GET /metrics` of zeus show, built from the coordinator (pure).
 *
 * @module
 */
import { type Metric, renderMetrics } from "../stats/metrics.ts";
import type { Coordinator, CoordinatorCounters } from "./coordinator.ts";
import type { VassalRecord } from "./records.ts";

/** One emperor in `/status`. */
export interface EmperorStatus {
  node: string;
  remote: string;
  alive: boolean;
  /** Its vassal report is complete (REPORT_END): only then does zeus place vassals on it. */
  ready: boolean;
  max_vassals: number;
  /** running_vassals of its last I_AM_ALIVE. */
  running: number;
  /** Copies zeus holds on it. */
  assigned: number;
  /** ISO time of its last I_AM_ALIVE; undefined if never seen since start. */
  last_heartbeat?: string;
}

/** One vassal in `/status`. */
export interface VassalStatusRow {
  name: string;
  state: string;
  copies: number;
  emperors: { node: string; state: string; pid: number; restarts: number }[];
  restarts: number;
  moves: number;
  error?: string;
}

/** The whole of `/status`. */
export interface ZeusStatus {
  settling: boolean;
  emperors: EmperorStatus[];
  vassals: VassalStatusRow[];
  counters: CoordinatorCounters;
}

function vassalState(v: VassalRecord): string {
  if (v.error) return "config-error";
  if (v.failed) return "failed";
  const states = [...v.copiesOn.values()].map((c) => c.state);
  if (states.length < v.copies) return states.length === 0 ? "pending" : "partial";
  if (states.every((s) => s === "running")) return "running";
  for (const s of ["restored", "offered", "accepted", "updating", "reloading"])
    if (states.includes(s as never)) return s === "accepted" || s === "offered" ? "placing" : s;
  return "running";
}

/**
 * The `/status` document.
 *
 * @example
 * ```ts
 * serveStats(host, port, { status: () => zeusStatus(core), metrics: () => zeusMetrics(core) });
 * ```
 */
export function zeusStatus(core: Coordinator): ZeusStatus {
  const emperors = [...core.emperors.values()]
    .sort((a, b) => (a.node < b.node ? -1 : 1))
    .map((e) => ({
      node: e.node,
      remote: e.remote,
      alive: e.alive,
      ready: e.ready,
      max_vassals: e.maxVassals,
      running: e.running,
      assigned: e.names.size,
      ...(e.lastSeen > 0 ? { last_heartbeat: new Date(e.lastSeen).toISOString() } : {}),
    }));
  const vassals = [...core.vassals.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((v) => {
      const copies = [...v.copiesOn.values()].map((c) => ({ node: c.node, state: c.state, pid: c.pid, restarts: c.restarts }));
      const row: VassalStatusRow = {
        name: v.name,
        state: vassalState(v),
        copies: v.copies,
        emperors: copies,
        restarts: copies.reduce((n, c) => n + c.restarts, 0),
        moves: v.moves,
      };
      const error = v.error ?? v.failed;
      if (error) row.error = error;
      return row;
    });
  return { settling: core.settling, emperors, vassals, counters: { ...core.counters } };
}

/**
 * The `/metrics` text (Prometheus).
 *
 * @example
 * ```ts
 * zeusMetrics(core).startsWith("# HELP zeus_emperors"); // true
 * ```
 */
export function zeusMetrics(core: Coordinator): string {
  const s = zeusStatus(core);
  const byState = new Map<string, number>();
  for (const v of s.vassals) byState.set(v.state, (byState.get(v.state) ?? 0) + 1);
  const metrics: Metric[] = [
    {
      name: "zeus_emperors",
      help: "Emperors known, by liveness",
      type: "gauge",
      samples: [
        { labels: { alive: "true" }, value: s.emperors.filter((e) => e.alive).length },
        { labels: { alive: "false" }, value: s.emperors.filter((e) => !e.alive).length },
      ],
    },
    {
      name: "zeus_emperor_vassals",
      help: "Copies held by each emperor",
      type: "gauge",
      samples: s.emperors.map((e) => ({ labels: { node: e.node }, value: e.assigned })),
    },
    {
      name: "zeus_vassals",
      help: "Vassals by state",
      type: "gauge",
      samples: [...byState].map(([state, value]) => ({ labels: { state }, value })),
    },
  ];
  for (const [k, value] of Object.entries(s.counters)) {
    metrics.push({ name: `zeus_${k}_total`, help: `Count of ${k.replace(/_/g, " ")}`, type: "counter", samples: [{ value }] });
  }
  return renderMetrics(metrics);
}
