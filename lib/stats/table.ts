/**
 * Plain-text tables for the `status` subcommands.
 *
 * @module
 */

/**
 * Renders rows under headers, columns padded to their widest cell.
 *
 * @example
 * ```ts
 * renderTable(["node", "state"], [["MV", "up"]]);
 * ```
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined || c === null ? "-" : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return (
    cells
      .map((r) =>
        r
          .map((c, i) => (c ?? "").padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}

/** Why a stats address did not answer, in an operator's words. */
function unreachable(e: Error & { code?: string }): string {
  if (e.code === "ECONNREFUSED") return "connection refused (is the daemon running, with --stats at that address?)";
  if (e.name === "TimeoutError") return "no answer within 3 s";
  if (e.code === "ENOTFOUND") return "unknown host";
  return e.code ?? e.message;
}

/**
 * How long ago an ISO timestamp was, for status tables ("0.3 s ago"; "never" when absent).
 *
 * @example
 * ```ts
 * ago("2026-11-22T04:50:07.210Z", Date.parse("2026-11-22T04:50:07.510Z")); // "0.3 s ago"
 * ```
 */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  return `${Math.max(0, (now - Date.parse(iso)) / 1000).toFixed(1)} s ago`;
}

/**
 * Fetches `GET /status` from a daemon's stats address (`query`: e.g. `"?max=1000"`).
 *
 * @throws {Error} naming the address when it cannot be reached or answers badly
 * @example
 * ```ts
 * const status = await fetchStatus("127.0.0.1:9100");
 * ```
 */
export async function fetchStatus(addr: string, query = ""): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`http://${addr}/status${query}`, { signal: AbortSignal.timeout(3000) });
  } catch (e) {
    throw new Error(`cannot reach stats at ${addr}: ${unreachable(e as Error & { code?: string })}`, { cause: e });
  }
  if (!res.ok) throw new Error(`stats at ${addr} answered HTTP ${res.status}${res.status === 400 ? `: ${(await res.text()).trim()}` : ""}`);
  return await res.json();
}
