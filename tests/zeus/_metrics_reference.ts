// zeusMetrics as it was written before (commit d24bf58), from the whole /status document:
// the reference that the cheaper zeusMetrics (counts only, no rows) must agree with.
import { type Metric, renderMetrics } from "../../lib/stats/mod.ts";
import { VASSAL_STATES } from "../../lib/zeus/vassal_state.ts";
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";

/** The /metrics text of `s`, a whole status (every row), as zeusMetrics built it from rows. */
export function referenceMetrics(s: ZeusStatus): string {
  const byState = new Map<string, number>(VASSAL_STATES.map((state) => [state, 0]));
  for (const v of s.vassals) byState.set(v.state, (byState.get(v.state) ?? 0) + 1);
  const copyStates = new Map<string, number>();
  for (const c of s.vassals.flatMap((v) => v.emperors)) copyStates.set(c.state, (copyStates.get(c.state) ?? 0) + 1);
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
      name: "zeus_copies",
      help: "Copies by state, as their emperors report them",
      type: "gauge",
      samples: [...copyStates].map(([state, value]) => ({ labels: { state }, value })),
    },
    {
      name: "zeus_copies_unhealthy",
      help: "Copies whose health check fails",
      type: "gauge",
      samples: [{ value: s.vassals.flatMap((v) => v.emperors).filter((c) => c.health === "unhealthy").length }],
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

/** A metrics text's lines in order: the same samples whatever order a series lists them in. */
export const metricLines = (text: string): string[] => text.split("\n").sort();
