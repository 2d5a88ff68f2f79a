/**
 * `zog status`: a node's /status as a table.
 *
 * @module
 */
import { ago, fetchStatus, renderTable } from "../stats/mod.ts";
import type { StoreStatus } from "./listeners.ts";
import type { NodeStatus } from "./node_status.ts";
import { EXIT } from "../errors.ts";

/**
 * Renders a node status: a header line, the links, the counters.
 *
 * @example
 * ```ts
 * process.stdout.write(renderStatus(await fetchStatus("127.0.0.1:55553") as NodeStatus));
 * ```
 */
export function renderStatus(s: NodeStatus): string {
  const head = `node ${s.node} (${s.host}, peers :${s.peer_port}, clients :${s.client_port}, fsync ${s.fsync}${s.fsync === "never" ? "" : ` ${s.fsync_ms} ms`}, ${s.listeners} listener${s.listeners === 1 ? "" : "s"})\n`;
  const links = renderTable(
    ["PEER", "HOST", "LINK", "INBOUND", "LAST KEEPALIVE ACK", "BACKLOG"],
    s.links.map((l) => [l.peer, l.host, l.state, l.inbound ? "up" : "down", ago(l.last_keepalive_ack), l.backlog]),
  );
  const counters = renderTable(["COUNTER", "VALUE"], Object.entries(s.counters));
  return `${head}\n${links}\n${s.store ? renderStore(s.store) : ""}${counters}`;
}

/**
 * How far a durable listener or group is behind: messages and the first one's age.
 *
 * @example
 * ```ts
 * lagText({ lag_messages: 40, lag_seconds: 12.5 }); // "40 msgs, 12.5 s"
 * lagText({ lag_messages: 0, lag_seconds: 0 }); // "0"
 * ```
 */
export function lagText(p: { lag_messages: number; lag_seconds: number }): string {
  return p.lag_messages === 0 ? "0" : `${p.lag_messages} msgs, ${p.lag_seconds} s`;
}

function renderStore(st: StoreStatus): string {
  const held = st.oldest_seq > st.last_seq ? "nothing" : `seq ${st.oldest_seq}-${st.last_seq}`;
  const line = `store: ${held} held for replay (${(st.bytes / 1e6).toFixed(1)} MB), last seq ${st.last_seq}\n`;
  if (st.positions.length === 0) return `${line}\n`;
  const rows = st.positions.map((p) => [p.kind, p.name, p.position, p.connected, p.in_flight, lagText(p), ago(p.last_seen)]);
  return `${line}${renderTable(["LISTENER", "NAME", "POSITION", "CONNECTED", "IN FLIGHT", "LAG", "LAST SEEN"], rows)}\n`;
}

/**
 * Runs `zog status`; returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runStatus("127.0.0.1:55553", false);
 * ```
 */
export async function runStatus(addr: string, json: boolean): Promise<number> {
  const status = (await fetchStatus(addr)) as NodeStatus;
  process.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
  return EXIT.ok;
}
