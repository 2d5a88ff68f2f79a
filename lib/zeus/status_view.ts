/**
 * Which rows a zeus `/status` lists (pure): all of them, a summary only beyond a size, or
 * those a filter picks. At 100 000 vassals the whole document is tens of megabytes and
 * seconds to build; its summary (counts by state) is cheap.
 *
 * `GET /status?summary` lists no rows; `?max=N` lists none of a table longer than N;
 * `?state=S` lists the vassals in state S; `?node=N` the emperor N and the vassals with a
 * copy on it; `?offset=K&limit=N` a page of the vassals (by name). The summary is always there.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/** What to list (from the query of `/status`). */
export interface StatusView {
  /** Counts only, no rows. */
  summary?: boolean;
  /** A table longer than this is left out (its counts stay). */
  max?: number;
  /** Only vassals in this state ("running", "pending", ...). */
  state?: string;
  /** Only this emperor, and vassals with a copy on it. */
  node?: string;
  /** Only what needs an operator: vassals not running or in a rollout, emperors lost, draining or reporting. */
  attention?: boolean;
  /** A page of the (filtered) vassals, by name (with `attention`, of the emperors too). */
  offset?: number;
  limit?: number;
}

/** The counts `/status` always carries, and how many rows it lists. */
export interface StatusSummary {
  emperors: number;
  /** Emperors alive (connected, heard). */
  alive: number;
  vassals: number;
  /** Vassals by state. */
  vassal_states: Record<string, number>;
  /** Copies (of every vassal, on every emperor) by state. */
  copy_states: Record<string, number>;
  /** Rows listed in this document: fewer than the counts when a summary or a filter was asked for. */
  listed: { emperors: number; vassals: number };
}

/**
 * The view a `/status` query asks for.
 *
 * @throws {UsageError} when a number is not a whole number ≥ 0 (the message names the parameter)
 * @example
 * ```ts
 * statusView(new URLSearchParams("max=1000")); // { max: 1000 }
 * statusView(new URLSearchParams("state=pending&limit=50")); // { state: "pending", limit: 50 }
 * statusView(new URLSearchParams("attention&limit=200")); // { attention: true, limit: 200 }
 * ```
 */
export function statusView(q: URLSearchParams): StatusView {
  const view: StatusView = {};
  if (q.has("summary")) view.summary = true;
  if (q.has("attention")) view.attention = true;
  for (const key of ["max", "offset", "limit"] as const) {
    const text = q.get(key);
    if (text === null) continue;
    if (!/^\d{1,9}$/.test(text)) throw new UsageError(`/status?${key}=${text.slice(0, 20)}: give a whole number ≥ 0`);
    view[key] = Number(text);
  }
  const state = q.get("state");
  if (state) view.state = state;
  const node = q.get("node");
  if (node) view.node = node;
  return view;
}

/**
 * Rows of a table to list under `view`: all, none (a summary, or longer than `max`), or a page.
 *
 * @example
 * ```ts
 * pick(["a", "b", "c"], { max: 2 }); // []
 * pick(["a", "b", "c"], { offset: 1, limit: 1 }, true); // ["b"]
 * ```
 */
export function pick<T>(rows: readonly T[], view: StatusView, paged = false): readonly T[] {
  if (view.summary || (view.max !== undefined && rows.length > view.max)) return [];
  if (!paged || (view.offset === undefined && view.limit === undefined)) return rows;
  const from = view.offset ?? 0;
  return rows.slice(from, view.limit === undefined ? undefined : from + view.limit);
}
