/**
 * File descriptors: how many this process may open, how many are left, and how many
 * client connections a zog node can take so that its peers, listeners' files and logs
 * always keep theirs.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { errCode } from "../errors.ts";

/** Descriptors a node keeps for itself: stdio, event loop, listening sockets, stats, its log files and store, a journal compaction, old log files kept open a moment after a reopen. */
const OWN_FDS = 48;
/** Per peer: the link it dialled, ours to it, and a redial overlapping a close. */
const PER_PEER_FDS = 4;
/** A default past this would only say "no limit" in a more expensive way. */
const MAX_DEFAULT_CLIENTS = 16_384;

/**
 * The soft open-file limit (`ulimit -n`), from /proc/self/limits; undefined where that
 * cannot be read (not Linux).
 *
 * @example
 * ```ts
 * openFileLimit(); // 1024
 * ```
 */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (!m) return undefined;
    return m[1] === "unlimited" ? Infinity : Number(m[1]);
  } catch {
    // No /proc (not Linux): the limit is unknown, which callers handle with a default.
    return undefined;
  }
}

/**
 * Descriptors still free under `limit` (from /proc/self/fd; 0 when even that cannot be
 * opened for want of one); undefined where it cannot be told.
 *
 * @example
 * ```ts
 * fdsLeft(1024); // 1005
 * ```
 */
export function fdsLeft(limit: number): number | undefined {
  try {
    return Math.max(0, limit - readdirSync("/proc/self/fd").length);
  } catch (e) {
    const code = errCode(e);
    return code === "EMFILE" || code === "ENFILE" ? 0 : undefined;
  }
}

/**
 * The default `max_clients`: what the open-file limit leaves once the node's own files and
 * its peer links are counted (at least 1); 1024 when the limit is unknown.
 *
 * @param limit the open-file limit ({@link openFileLimit})
 * @param peers how many peers the node links to
 * @example
 * ```ts
 * defaultMaxClients(256, 4); // 192
 * ```
 */
export function defaultMaxClients(limit: number | undefined, peers: number): number {
  if (limit === undefined) return 1024;
  return Math.max(1, Math.min(MAX_DEFAULT_CLIENTS, limit - OWN_FDS - PER_PEER_FDS * peers));
}

/** Descriptors Bun's HTTP client may take to start (its event loop, its wake-ups, the first socket), with a margin. */
const HTTP_START_FDS = 16;
let httpStarted = false;

/**
 * Whether a `fetch` may be made now without risking the process: Bun's first fetch starts its
 * HTTP client, and ends the whole process ("bun ran out of file descriptors", exit 1, not
 * catchable) when it cannot get the descriptors for it. True once a fetch was allowed; before
 * that, only while a few descriptors are free. Later fetches without one fail on their own (EMFILE).
 *
 * @example
 * ```ts
 * const answer = fetchIsSafe() ? await fetch("http://127.0.0.1:4041/status") : undefined;
 * ```
 */
export function fetchIsSafe(): boolean {
  if (httpStarted) return true;
  // No limit read (EMFILE reading /proc too): fdsLeft then says 0 if /proc cannot be read for want of a descriptor.
  const left = fdsLeft(openFileLimit() ?? Infinity);
  if (left !== undefined && left < HTTP_START_FDS) return false;
  httpStarted = true;
  return true;
}

/**
 * Starts Bun's HTTP client now, while descriptors are free (a fetch refused at once, to the
 * loopback's discard port), so that a later first fetch made during a flood of connections
 * is not the one that ends the process. Once per process; nothing when {@link fetchIsSafe}
 * already said yes, or says no now.
 *
 * @example
 * ```ts
 * startHttpClient(); // before a vassal's first HTTP check
 * ```
 */
export function startHttpClient(): void {
  if (httpStarted || !fetchIsSafe()) return;
  fetch("http://127.0.0.1:9/", { signal: AbortSignal.timeout(1000) }).catch(() => {}); // refused: only the start is wanted
}
