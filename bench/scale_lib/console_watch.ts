/**
 * A browser's view of zeus's web console, for bench/zeus_scale.ts (CONSOLE=1): one open
 * `GET /ui/events` (the stream every console page holds), counting the snapshots it brings,
 * their bytes and the largest, and the longest wait between two.
 *
 * @module
 */

/** What a console stream brought so far. */
export interface ConsoleFigures {
  events: number;
  bytes: number;
  largest: number;
  /** The longest time between two snapshots (ms). */
  maxGapMs: number;
}

/**
 * Opens the console's event stream on `statsPort` and counts what comes until `stop()`.
 *
 * @example
 * ```ts
 * const watch = watchConsole(4041);
 * // ... the fleet changes ...
 * const figures = await watch.stop();
 * ```
 */
export function watchConsole(statsPort: number): { stop: () => Promise<ConsoleFigures> } {
  const figures: ConsoleFigures = { events: 0, bytes: 0, largest: 0, maxGapMs: 0 };
  const abort = new AbortController();
  const reading = (async () => {
    const res = await fetch(`http://127.0.0.1:${statsPort}/ui/events`, { signal: abort.signal });
    if (!res.ok || !res.body) throw new Error(`/ui/events answered ${res.status}`);
    const dec = new TextDecoder();
    let pending = "";
    let last = performance.now();
    for await (const chunk of res.body) {
      figures.bytes += chunk.byteLength;
      pending += dec.decode(chunk, { stream: true });
      for (let end = pending.indexOf("\n\n"); end >= 0; end = pending.indexOf("\n\n")) {
        const event = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (!event.startsWith("event: status")) continue;
        const now = performance.now();
        if (figures.events > 0) figures.maxGapMs = Math.max(figures.maxGapMs, now - last);
        last = now;
        figures.events++;
        figures.largest = Math.max(figures.largest, event.length);
      }
    }
  })().catch((e: Error) => {
    if (e.name !== "AbortError") throw e;
  });
  return {
    stop: async () => {
      abort.abort();
      await reading;
      return figures;
    },
  };
}
