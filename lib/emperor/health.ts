/**
 * The health-check schedule of one vassal (sans I/O): when to probe, what a result
 * means, when the vassal must be restarted. The caller runs the probes and the timer.
 *
 *     (not running) --running--> grace --timer--> probing --result--> waiting --timer--> probing ...
 *     a failure `failures` times in a row: unhealthy, "restart"; stopped: back to (not running)
 *
 * @module
 */
import type { CheckConfig } from "../vassal/mod.ts";

/** healthy after a passing probe, unhealthy after `failures` failing ones in a row, unknown before. */
export type HealthState = "unknown" | "healthy" | "unhealthy";

/** What `/status` shows of a vassal's check. */
export interface HealthStatus {
  state: HealthState;
  /** Failing probes in a row. */
  failing: number;
  /** Failing probes since the emperor started (for /metrics). */
  failuresTotal: number;
  /** The last probe's outcome. */
  last?: { ok: boolean; at: number; detail: string };
}

/** What to do. */
export type HealthAction =
  | { do: "timer"; ms: number }
  | { do: "cancel" }
  /** Run the probe; hand its result back with this `gen`. */
  | { do: "probe"; gen: number }
  /** The health state changed (report it). */
  | { do: "changed"; state: HealthState }
  /** `failures` probes failed in a row: restart the vassal. */
  | { do: "restart"; why: string };

/**
 * One vassal's check schedule.
 *
 * @example
 * ```ts
 * declare const config: CheckConfig;
 * const h = new HealthSchedule(config);
 * h.running(); // [{ do: "timer", ms: config.graceMs }]
 * h.due(); // [{ do: "probe", gen: 1 }]
 * h.result(1, Date.now(), false, "HTTP 500"); // [{ do: "timer", ms: config.intervalMs }] (or "restart")
 * ```
 */
export class HealthSchedule {
  #gen = 0;
  #armed = false;
  #status: HealthStatus = { state: "unknown", failing: 0, failuresTotal: 0 };

  constructor(readonly config: CheckConfig) {}

  /** Where the check stands. */
  status(): HealthStatus {
    return { ...this.#status, ...(this.#status.last ? { last: { ...this.#status.last } } : {}) };
  }

  /** The vassal is running (started, restarted or reloaded): probe after the grace time. */
  running(): HealthAction[] {
    if (this.#armed) return [];
    this.#armed = true;
    this.#gen++;
    return [{ do: "timer", ms: this.config.graceMs }];
  }

  /** The vassal stopped running: no more probes; results in flight are ignored. */
  stopped(): HealthAction[] {
    if (!this.#armed) return [];
    this.#armed = false;
    this.#gen++;
    const out: HealthAction[] = [{ do: "cancel" }];
    this.#status.failing = 0;
    if (this.#status.state !== "unhealthy" && this.#status.state !== "unknown") {
      this.#status.state = "unknown";
      out.push({ do: "changed", state: "unknown" });
    }
    return out;
  }

  /** The timer fired: probe now. */
  due(): HealthAction[] {
    return this.#armed ? [{ do: "probe", gen: this.#gen }] : [];
  }

  /** A probe of generation `gen` ended at `now`. */
  result(gen: number, now: number, ok: boolean, detail: string): HealthAction[] {
    if (!this.#armed || gen !== this.#gen) return [];
    const s = this.#status;
    s.last = { ok, at: now, detail };
    const out: HealthAction[] = [];
    if (ok) {
      s.failing = 0;
      if (s.state !== "healthy") out.push({ do: "changed", state: (s.state = "healthy") });
      return [...out, { do: "timer", ms: this.config.intervalMs }];
    }
    s.failing++;
    s.failuresTotal++;
    if (s.failing < this.config.failures) return [{ do: "timer", ms: this.config.intervalMs }];
    this.#armed = false;
    this.#gen++;
    const why = `${s.failing} checks failed in a row, the last: ${detail}`;
    s.failing = 0;
    if (s.state !== "unhealthy") out.push({ do: "changed", state: (s.state = "unhealthy") });
    return [...out, { do: "restart", why }];
  }
}
