/**
 * The benchmark's tables: per system, min/median/max of the repetitions and ratios to an
 * anchor row (JetStream R5).
 *
 * @module
 */
import type { Sample } from "./load.ts";
import { median } from "./startup.ts";

/** The repeated samples of one system. */
export interface Series {
  system: string;
  samples: Sample[];
}

const fmt = (x: number, digits = 0): string => (Number.isNaN(x) ? "-" : x.toFixed(digits));
const med = (s: Series, f: (x: Sample) => number): number => median(s.samples.map(f));

/**
 * The peer at its best, run by run: of each repetition of `a` and `b` (two ways of driving
 * the same system), the higher rate and the lower CPU per message. Judging against it keeps
 * the ratios honest whichever way the peer happens to be faster on the day.
 *
 * @example
 * ```ts
 * const best = bestOf("JetStream R5 at its best", { system: "one", samples: [] }, { system: "rr", samples: [] });
 * ```
 */
export function bestOf(system: string, a: Series, b: Series): Series {
  const samples = a.samples.map((x, i) => {
    const y = b.samples[i] ?? x;
    const fast = x.ackRate >= y.ackRate ? x : y;
    return { ...fast, cpuUs: Math.min(x.cpuUs, y.cpuUs) };
  });
  return { system, samples };
}

/** Prints an aligned table of `rows` (the first row is the header). */
export function printTable(title: string, rows: string[][]): void {
  console.log(`\n${title}`);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  "));
}

/**
 * Prints the throughput table: acked msg/s (min/median/max), time until every copy was
 * stored, ack p50/p99, server CPU per message, and the ratios to `anchor`'s medians.
 */
export function printSeries(title: string, series: Series[], anchor?: Series): void {
  const aRate = anchor ? med(anchor, (x) => x.ackRate) : Number.NaN;
  const aCpu = anchor ? med(anchor, (x) => x.cpuUs) : Number.NaN;
  const rows = [["system", "acked msg/s min/med/max", "x JS", "all stored s", "p50 ms", "p99 ms", "CPU µs/msg", "x JS"]];
  for (const s of series) {
    const rates = s.samples.map((x) => x.ackRate);
    const rate = median(rates);
    const cpu = med(s, (x) => x.cpuUs);
    rows.push([
      s.system,
      `${fmt(Math.min(...rates))} / ${fmt(rate)} / ${fmt(Math.max(...rates))}`,
      fmt(rate / aRate, 2),
      fmt(
        med(s, (x) => x.allStoredS),
        2,
      ),
      fmt(
        med(s, (x) => x.p50),
        2,
      ),
      fmt(
        med(s, (x) => x.p99),
        2,
      ),
      fmt(cpu),
      fmt(cpu / aCpu, 2),
    ]);
  }
  printTable(title, rows);
}
