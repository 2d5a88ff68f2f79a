/**
 * A vassal as the emperor's `/status` shows it: snake_case keys and ISO 8601 times, as zog
 * and zeus do. Pure.
 *
 * @module
 */
import type { VassalStatus } from "./types.ts";

/** One vassal in `/status`: its status with the times as ISO 8601 and keys in snake_case. */
export type VassalView = Omit<VassalStatus, "lastExit" | "since" | "check" | "unhealthyRestarts"> & {
  /** Restarts for a failing check in a row, since its check last passed. */
  unhealthy_restarts?: number;
  /** The last exit: code or signal, when, and the last line it wrote to stderr. */
  last_exit?: { code: number | null; signal: string | null; at: string; line?: string };
  /** When it entered `state`. */
  since: string;
  /** Its health check, when it has one. */
  check?: {
    target: string;
    state: string;
    failing: number;
    failures_total: number;
    last?: { ok: boolean; at: string; detail: string };
  };
};

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
  // Fields added later pass through as they are (give them snake_case names).
  const { lastExit, since, check, unhealthyRestarts, ...rest } = v;
  return {
    ...rest,
    ...(unhealthyRestarts ? { unhealthy_restarts: unhealthyRestarts } : {}),
    ...(lastExit
      ? {
          last_exit: {
            code: lastExit.code,
            signal: lastExit.signal,
            at: iso(lastExit.at),
            ...(lastExit.line ? { line: lastExit.line } : {}),
          },
        }
      : {}),
    since: iso(since),
    ...(check
      ? {
          check: {
            target: check.target,
            state: check.state,
            failing: check.failing,
            failures_total: check.failuresTotal,
            ...(check.last ? { last: { ok: check.last.ok, at: iso(check.last.at), detail: check.last.detail } } : {}),
          },
        }
      : {}),
  };
}
