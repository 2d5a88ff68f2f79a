/**
 * A vassal as the emperor's `/status` shows it: snake_case keys and ISO 8601 times, as zog
 * and zeus do. Pure.
 *
 * @module
 */
import type { VassalStatus } from "./types.ts";

/** One vassal in `/status`. */
export interface VassalView {
  name: string;
  kind: "uwsgi" | "plain";
  state: string;
  pid?: number;
  restarts: number;
  /** The last exit: code or signal, and when (ISO 8601). */
  last_exit?: { code: number | null; signal: string | null; at: string };
  /** When it entered `state` (ISO 8601). */
  since: string;
  /** Young deaths in a row. */
  streak?: number;
  /** Its health check, when it has one. */
  check?: {
    target: string;
    state: string;
    failing: number;
    failures_total: number;
    last?: { ok: boolean; at: string; detail: string };
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The `/status` form of a supervised vassal.
 *
 * @example
 * ```ts
 * vassalView({ name: "web.toml", kind: "plain", state: "running", pid: 42, restarts: 0, since: 0 }).since; // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function vassalView(v: VassalStatus): VassalView {
  return {
    name: v.name,
    kind: v.kind,
    state: v.state,
    ...(v.pid !== undefined ? { pid: v.pid } : {}),
    restarts: v.restarts,
    ...(v.lastExit ? { last_exit: { code: v.lastExit.code, signal: v.lastExit.signal, at: iso(v.lastExit.at) } } : {}),
    since: iso(v.since),
    ...(v.streak !== undefined ? { streak: v.streak } : {}),
    ...(v.check
      ? {
          check: {
            target: v.check.target,
            state: v.check.state,
            failing: v.check.failing,
            failures_total: v.check.failuresTotal,
            ...(v.check.last ? { last: { ok: v.check.last.ok, at: iso(v.check.last.at), detail: v.check.last.detail } } : {}),
          },
        }
      : {}),
  };
}
