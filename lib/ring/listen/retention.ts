/**
 * Applying `retain`: the store is trimmed now and then, a chunk per turn of the event loop.
 *
 * @module
 */
import { getLogger } from "../../log/mod.ts";
import type { Retain } from "../../config/mod.ts";
import type { RingStore } from "./store.ts";

const log = getLogger("zog", "store");

/**
 * Trims `store` to `retain` at once, then every tenth of its age (1 s to 60 s); returns
 * a function that stops it.
 *
 * @example
 * ```ts
 * declare const store: RingStore;
 * const stop = keepRetained(store, { ageMs: 7 * 86_400_000 }); // ... stop();
 * ```
 */
export function keepRetained(store: RingStore, retain: Retain): () => void {
  let running = false;
  const run = (deleted = 0): void => {
    let n = 0;
    try {
      n = store.prune(retain);
    } catch (e) {
      log.error("cannot trim the store: {error}", { error: (e as Error).message });
    }
    if (n > 0) return void setImmediate(() => run(deleted + n));
    running = false;
    if (deleted > 0)
      log.info("store: {n} messages past retain removed; replay starts at seq {seq}", { n: deleted, seq: store.oldestSeq() });
  };
  const tick = () => {
    if (running) return;
    running = true;
    run();
  };
  const every = Math.min(60_000, Math.max(1000, (retain.ageMs ?? 600_000) / 10));
  const timer = setInterval(tick, every);
  timer.unref?.();
  tick();
  return () => clearInterval(timer);
}
