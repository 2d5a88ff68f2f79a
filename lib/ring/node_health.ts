/**
 * A node's `/healthz`: 503 while it cannot record what clients send (a full disk, an
 * unwritable log folder) or while no peer link is up; 200 otherwise. Pure: a status and
 * a memory of the last record error in, an answer out.
 *
 * @module
 */
import type { NodeStatus } from "./node_status.ts";

/** How long after a record error the node still counts as unhealthy. */
export const RECORD_ERROR_WINDOW_MS = 10_000;

/** What {@link nodeHealth} remembers between calls. */
export interface HealthMemory {
  recordErrors: number;
  lastErrorAt?: number;
}

/**
 * The `/healthz` answer of a node; updates `memory`.
 *
 * @example
 * ```ts
 * const memory = { recordErrors: 0 };
 * nodeHealth(nodeStatus(node, ports), memory, Date.now()); // { ok: true, text: "ok: 4 of 4 peer links up" }
 * ```
 */
export function nodeHealth(status: NodeStatus, memory: HealthMemory, now: number): { ok: boolean; text: string } {
  const errors = status.counters.record_errors ?? 0;
  if (errors > memory.recordErrors) memory.lastErrorAt = now;
  memory.recordErrors = errors;
  if (memory.lastErrorAt !== undefined && now - memory.lastErrorAt < RECORD_ERROR_WINDOW_MS)
    return {
      ok: false,
      text: `cannot record messages: ${errors} record error(s), the last ${((now - memory.lastErrorAt) / 1000).toFixed(1)} s ago (see the log)`,
    };
  const up = status.links.filter((l) => l.state === "up").length;
  if (status.links.length > 0 && up === 0) return { ok: false, text: `no link to any of the ${status.links.length} peers is up` };
  return { ok: true, text: `ok: ${up} of ${status.links.length} peer links up` };
}
