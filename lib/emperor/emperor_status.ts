/**
 * What the emperor's `--stats` endpoint shows: `/status` (JSON) and `/metrics`, as
 * `node_status.ts` and `zeus_status.ts` do for the ring node and zeus.
 *
 * @module
 */
import { type Metric, renderMetrics, type StatsSource } from "../stats/mod.ts";
import type { Supervisor } from "./supervisor.ts";
import type { VassalState } from "./types.ts";
import { vassalView } from "./status_view.ts";
import { vassalLogLostBytes } from "./vassal_log.ts";

const STATES: readonly VassalState[] = ["starting", "running", "reloading", "stopping", "backoff", "unhealthy", "failed", "stopped"];

/**
 * What the emperor's `/status` shows: `info` (mode, directory, node...), the state dir, the
 * vassals (those being destroyed too, as `stopping` until reaped: their process still runs),
 * and the files whose config was rejected (`rejected`, with the reason).
 *
 * @example
 * ```ts
 * import type { Supervisor } from "./supervisor.ts";
 * declare const sup: Supervisor;
 * emperorStatus(sup, { mode: "dir", dir: "/etc/vassals" }).vassals;
 * ```
 */
export function emperorStatus(sup: Supervisor, info: Record<string, unknown>) {
  return { ...info, state_dir: sup.stateDir, vassals: [...sup.list(), ...sup.departing()].map(vassalView), rejected: sup.rejected() };
}

/**
 * The emperor's `/metrics`, in the Prometheus text format.
 *
 * @example
 * ```ts
 * import type { Supervisor } from "./supervisor.ts";
 * declare const sup: Supervisor;
 * emperorMetrics(sup).includes("emperor_vassal_up"); // true
 * ```
 */
export function emperorMetrics(sup: Supervisor): string {
  const list = sup.list();
  const metrics: Metric[] = [
    {
      name: "emperor_vassals",
      help: "Vassals by state",
      type: "gauge",
      samples: STATES.map((state) => ({ labels: { state }, value: list.filter((v) => v.state === state).length })),
    },
    {
      name: "emperor_vassal_up",
      help: "1 when the vassal is running",
      type: "gauge",
      samples: list.map((v) => ({ labels: { vassal: v.name, kind: v.kind }, value: v.state === "running" ? 1 : 0 })),
    },
    {
      name: "emperor_vassal_restarts_total",
      help: "Times the vassal died and was restarted",
      type: "counter",
      samples: list.map((v) => ({ labels: { vassal: v.name }, value: v.restarts })),
    },
    {
      name: "emperor_vassal_watch_reloads_total",
      help: "Reloads caused by the vassal's watch patterns",
      type: "counter",
      samples: list.filter((v) => v.watch).map((v) => ({ labels: { vassal: v.name }, value: v.watch!.reloads })),
    },
    {
      name: "emperor_vassal_check_failures_total",
      help: "Health checks of the vassal that failed",
      type: "counter",
      samples: list.filter((v) => v.check).map((v) => ({ labels: { vassal: v.name }, value: v.check!.failuresTotal })),
    },
    {
      name: "emperor_vassal_healthy",
      help: "1 when the vassal's last health check passed",
      type: "gauge",
      samples: list.filter((v) => v.check).map((v) => ({ labels: { vassal: v.name }, value: v.check!.state === "healthy" ? 1 : 0 })),
    },
    {
      name: "emperor_vassal_log_lost_bytes_total",
      help: "Bytes of vassal output lost because a vassal log could not be written (a full disk)",
      type: "counter",
      samples: [{ labels: {}, value: vassalLogLostBytes() }],
    },
  ];
  return renderMetrics(metrics);
}

/**
 * The stats of `sup` ({@link emperorStatus}, {@link emperorMetrics}); `/healthz` is 503
 * while `health` says so (zeus mode: not connected to zeus).
 *
 * @example
 * ```ts
 * import type { Supervisor } from "./supervisor.ts";
 * declare const sup: Supervisor;
 * serveStats("127.0.0.1", 9101, emperorStats(sup, { mode: "dir", dir: "/etc/vassals" }));
 * ```
 */
export function emperorStats(sup: Supervisor, info: Record<string, unknown>, health?: () => { ok: boolean; text: string }): StatsSource {
  return {
    status: () => emperorStatus(sup, info),
    ...(health ? { health } : {}),
    metrics: () => emperorMetrics(sup),
  };
}
