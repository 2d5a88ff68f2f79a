/**
 * `sprog durable ls|rm` and `sprog group ls|rm` (like `nats consumer ls|rm`): the durable
 * listeners and work-queue groups each node keeps, with their position, lag, last seen and
 * connections; and removing one (admins only: docs/PROTOCOL.md, POSITION_RM).
 *
 * @module
 */
import { EXIT } from "../../errors.ts";
import { hostPort } from "../../net/mod.ts";
import { ago, renderTable } from "../../stats/mod.ts";
import type { HostPort, TlsClientFiles } from "../../tls/mod.ts";
import type { PositionRow } from "../listen/positions.ts";
import { RingType } from "../protocol.ts";
import { newClientId } from "./ids.ts";
import { NodeLink } from "./node_link.ts";

/** How long a node has to answer. */
const ANSWER_MS = 5000;

/** Where the command asks: each server, with TLS. */
export interface PositionsTarget {
  servers: HostPort[];
  tls?: TlsClientFiles;
}

/**
 * Sends one POSITIONS or POSITION_RM to `server` and waits for its answer's vars (the
 * node's name in `node` for POSITIONS).
 *
 * @throws {Error} with the node's reason (ERROR), or why it could not be asked
 */
async function ask(
  server: HostPort,
  tls: TlsClientFiles | undefined,
  type: typeof RingType.POSITIONS | typeof RingType.POSITION_RM,
  vars: Record<string, string>,
): Promise<Record<string, string>> {
  const id = `${type === RingType.POSITIONS ? "ls" : "rm"}-${newClientId()}`;
  let settle!: { ok: (v: Record<string, string>) => void; fail: (e: Error) => void };
  const answer = new Promise<Record<string, string>>((ok, fail) => (settle = { ok, fail }));
  const pages: unknown[] = [];
  const link = await NodeLink.open(
    { host: server.host, port: server.port, ...(tls ? { tls } : {}), clientId: newClientId() },
    {
      onAnswer: (got, v) => {
        if (got !== id) return;
        // POSITIONS comes in pages: each but the last says more = 1.
        if (v.positions !== undefined) pages.push(...(JSON.parse(v.positions) as unknown[]));
        if (v.more !== "1") settle.ok(v.positions !== undefined ? { ...v, positions: JSON.stringify(pages) } : v);
      },
      onRefused: (got, reason) => got === id && settle.fail(new Error(reason)),
      onClose: (err) => settle.fail(err ?? new Error("connection closed")),
    },
  );
  const timer = setTimeout(() => settle.fail(new Error(`no answer within ${ANSWER_MS / 1000} s`)), ANSWER_MS);
  try {
    link.ask(type, { id, ...vars });
    return await answer;
  } finally {
    clearTimeout(timer);
    link.close();
  }
}

/** A row and the node it is on. */
export type NodeRow = PositionRow & { node: string };

/**
 * The table of `sprog durable ls` (kind "durable") or `sprog group ls` ("group"), times
 * relative to `now`.
 *
 * @example
 * ```ts
 * const row = { node: "A", name: "audit", kind: "durable" as const, position: 7, connected: 1, in_flight: 0, lag_messages: 3, lag_seconds: 1.5 };
 * renderPositions("durable", [row], Date.now());
 * // NODE  NAME   POSITION  LAG  LAG (S)  LAST SEEN  CONNECTED
 * // A     audit  7         3    1.5      never      yes
 * ```
 */
export function renderPositions(kind: "durable" | "group", rows: readonly NodeRow[], now: number): string {
  const seen = (r: NodeRow) => ago(r.last_seen, now);
  if (kind === "durable")
    return renderTable(
      ["NODE", "NAME", "POSITION", "LAG", "LAG (S)", "LAST SEEN", "CONNECTED"],
      rows.map((r) => [r.node, r.name, r.position, r.lag_messages, r.lag_seconds, seen(r), r.connected > 0 ? "yes" : "no"]),
    );
  return renderTable(
    ["NODE", "NAME", "POSITION", "LAG", "LAG (S)", "MEMBERS", "IN FLIGHT", "REDELIVERIES", "LAST SEEN"],
    rows.map((r) => [r.node, r.name, r.position, r.lag_messages, r.lag_seconds, r.connected, r.in_flight, r.redeliveries ?? 0, seen(r)]),
  );
}

/**
 * `sprog durable ls` / `sprog group ls`: asks every server, prints one table (or the rows
 * as JSON); a node that cannot be asked is named on stderr. Returns 0, or 255 when a
 * node could not be asked.
 *
 * @example
 * ```ts
 * process.exitCode = await listPositions({ servers: [{ host: "127.0.0.11", port: 55552 }] }, "durable", false);
 * ```
 */
export async function listPositions(t: PositionsTarget, kind: "durable" | "group", json: boolean): Promise<number> {
  const rows: NodeRow[] = [];
  let failed = false;
  let answered = 0;
  await Promise.all(
    t.servers.map(async (server) => {
      try {
        const v = await ask(server, t.tls, RingType.POSITIONS, { kind });
        const node = v.node || hostPort(server.host, server.port);
        answered++;
        rows.push(...(JSON.parse(v.positions ?? "[]") as PositionRow[]).map((r) => ({ node, ...r })));
      } catch (e) {
        failed = true;
        process.stderr.write(`sprog: ${hostPort(server.host, server.port)}: ${(e as Error).message}\n`);
      }
    }),
  );
  rows.sort((a, b) => (a.name === b.name ? (a.node < b.node ? -1 : 1) : a.name < b.name ? -1 : 1));
  if (answered === 0 && !json) return EXIT.lost; // no node answered: no empty table
  process.stdout.write(json ? `${JSON.stringify(rows, null, 2)}\n` : renderPositions(kind, rows, Date.now()));
  return failed ? EXIT.lost : EXIT.ok;
}

/**
 * `sprog durable rm NAME` / `sprog group rm NAME`: removes NAME on every server that has
 * it (a connected one only with `force`, which disconnects it), one line per node.
 * Returns 0 when it was removed somewhere; 254 when a node refused (not an admin, or
 * connected without --force); 255 when a node could not be asked; 253 when no node had it.
 *
 * @example
 * ```ts
 * process.exitCode = await removePositions({ servers }, "durable", "audit", false);
 * ```
 */
export async function removePositions(t: PositionsTarget, kind: "durable" | "group", name: string, force: boolean): Promise<number> {
  const results = await Promise.all(
    t.servers.map(async (server): Promise<"removed" | "absent" | "refused" | "lost"> => {
      const where = hostPort(server.host, server.port);
      let v: Record<string, string>;
      try {
        v = await ask(server, t.tls, RingType.POSITION_RM, { kind, name, ...(force ? { force: "1" } : {}) });
      } catch (e) {
        const reason = (e as Error).message;
        const absent = reason.startsWith(`no ${kind} "`);
        if (!absent || t.servers.length === 1) process.stderr.write(`sprog: ${where}: ${reason}\n`);
        if (absent) return "absent";
        return /^not an admin|names no admin|is connected/.test(reason) ? "refused" : "lost";
      }
      const closed = Number(v.disconnected) || 0;
      process.stdout.write(
        `removed ${kind} ${name} on ${where}${closed ? ` (${closed} connection${closed === 1 ? "" : "s"} closed)` : ""}\n`,
      );
      return "removed";
    }),
  );
  if (results.includes("refused")) return EXIT.refused;
  if (results.includes("lost")) return EXIT.lost;
  if (!results.includes("removed")) {
    if (t.servers.length > 1) process.stderr.write(`sprog: no ${kind} "${name}" on any of ${t.servers.length} nodes\n`);
    return EXIT.notFound;
  }
  return EXIT.ok;
}
