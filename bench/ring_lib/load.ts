/**
 * A pipelined load: N requests with up to W outstanding, each request's latency recorded.
 *
 * @module
 */

/** What a load run measured. */
export interface LoadResult {
  /** Milliseconds per request, from send to acknowledgement. */
  latencies: Float64Array;
  /** Milliseconds from the first send to the last acknowledgement. */
  elapsedMs: number;
}

/**
 * Runs `send(k)` for k = 0..n-1 keeping at most `window` unresolved.
 *
 * @example
 * ```ts
 * const r = await pipelined(20000, 64, (k) => client.publish(content(k)));
 * ```
 */
export async function pipelined(n: number, window: number, send: (k: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies = new Float64Array(n);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const k = next++;
      const t = performance.now();
      await send(k);
      latencies[k] = performance.now() - t;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, worker));
  return { latencies, elapsedMs: performance.now() - started };
}

/** The q-quantile (0..1) of `xs`. */
export function quantile(xs: Float64Array, q: number): number {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

/** One row of the results table. */
export interface Row {
  system: string;
  /** Acknowledged messages per second. */
  ackRate: number;
  /** Messages per second until every copy was stored/delivered. */
  fullRate: number;
  p50: number;
  p99: number;
}

/** Prints rows as an aligned table. */
export function printRows(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const head = ["system", "acked msg/s", "replicated msg/s", "ack p50 ms", "ack p99 ms"];
  const ms = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(2));
  const cells = rows.map((r) => [r.system, r.ackRate.toFixed(0), r.fullRate.toFixed(0), ms(r.p50), ms(r.p99)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  ");
  console.log(line(head));
  for (const c of cells) console.log(line(c));
}
