/**
 * Prometheus text exposition, built from plain values.
 *
 * @module
 */

/** One metric family: its samples carry optional labels. */
export interface Metric {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: { labels?: Record<string, string>; value: number }[];
}

function labelText(labels?: Record<string, string>): string {
  if (!labels || Object.keys(labels).length === 0) return "";
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return `{${parts.join(",")}}`;
}

/**
 * Renders metric families as Prometheus text format 0.0.4.
 *
 * @example
 * ```ts
 * renderMetrics([{ name: "zog_logged_total", help: "Messages logged", type: "counter", samples: [{ value: 3 }] }]);
 * ```
 */
export function renderMetrics(metrics: readonly Metric[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) lines.push(`${m.name}${labelText(s.labels)} ${s.value}`);
  }
  return `${lines.join("\n")}\n`;
}
