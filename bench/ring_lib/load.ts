/**
 * A pipelined load (N requests with up to W outstanding, each request's latency recorded)
 * and the figures of one measured run.
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
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

/** The figures of one measured run of one system. */
export interface Sample {
  /** Acknowledged messages per second. */
  ackRate: number;
  /** Seconds from the first send until every copy was stored (or delivered, for core NATS). */
  allStoredS: number;
  /** Ack latency quantiles in ms (NaN when the driver cannot see them, e.g. the sprog CLI). */
  p50: number;
  p99: number;
  /** CPU time (user + system) of all the servers, per message, in µs. */
  cpuUs: number;
}

/** A sample from a load result and the measured extras. */
export function sample(n: number, r: LoadResult | { elapsedMs: number }, allStoredMs: number, cpuMsSpent: number): Sample {
  const lat = "latencies" in r ? r.latencies : undefined;
  return {
    ackRate: (n * 1000) / r.elapsedMs,
    allStoredS: allStoredMs / 1000,
    p50: lat ? quantile(lat, 0.5) : Number.NaN,
    p99: lat ? quantile(lat, 0.99) : Number.NaN,
    cpuUs: (cpuMsSpent * 1000) / n,
  };
}

/** Polls `cond` every 2 ms until true; throws after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(2);
  }
}
