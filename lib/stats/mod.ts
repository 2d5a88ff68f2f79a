/**
 * The stats endpoint (`--stats`), Prometheus rendering and status tables.
 *
 * @module
 */
export { serveStats, type StatsServer, type StatsSource, type StreamedStatus } from "./server.ts";
export { type Metric, renderMetrics } from "./metrics.ts";
export { ago, fetchStatus, renderTable } from "./table.ts";
export { DEFAULT_STATS } from "./defaults.ts";
