/**
 * What `/status` and `/metrics` show of a node.
 *
 * @module
 */
import { type Metric, renderMetrics } from "../stats/mod.ts";
import type { ClientsStatus } from "./client_port.ts";
import type { StoreStatus } from "./listeners.ts";
import type { PositionRow } from "./listen/positions.ts";
import type { ZogNode } from "./node.ts";

/** One link's line in /status. */
export interface LinkStatus {
  peer: string;
  host: string;
  /** Our link to the peer: connecting, up or down. */
  state: string;
  /** Whether the peer's link to us is open. */
  inbound: boolean;
  last_keepalive_ack: string | null;
  backlog: number;
}

/** The JSON of `GET /status`. */
export interface NodeStatus {
  node: string;
  host: string;
  peer_port: number;
  client_port: number;
  fsync: string;
  /** Moving average of the fsyncs behind OK, in ms ("batch" moves them to a worker thread past 5 ms). */
  fsync_ms: number;
  links: LinkStatus[];
  listeners: number;
  /** The client port's limits and what they refused or closed (absent in library use). */
  clients?: ClientsStatus;
  /** The store: seqs held, size, durable and group positions. */
  store?: StoreStatus;
  counters: Record<string, number>;
}

/**
 * A node's status.
 *
 * @example
 * ```ts
 * serveStats(host, port, { status: () => nodeStatus(node, ports), metrics: () => nodeMetrics(nodeStatus(node, ports)) });
 * ```
 */
export function nodeStatus(node: ZogNode, ports: { peer: number; client: number }, clients?: ClientsStatus): NodeStatus {
  const links: LinkStatus[] = [];
  for (const l of node.links) {
    if (!l) continue;
    links.push({
      peer: l.peer.name,
      host: l.peer.host,
      state: l.state,
      inbound: (node.inbound[l.peer.index] ?? 0) > 0,
      last_keepalive_ack: l.lastAck === undefined ? null : new Date(l.lastAck).toISOString(),
      backlog: l.queue.size,
    });
  }
  const store = node.listeners.status();
  const fsyncs = node.fsyncs;
  return {
    node: node.self.name,
    host: node.self.host,
    peer_port: ports.peer,
    client_port: ports.client,
    fsync: node.fsyncPolicy,
    fsync_ms: Math.round(fsyncs.averageMs * 1000) / 1000,
    links,
    listeners: node.listeners.size,
    ...(clients ? { clients } : {}),
    ...(store ? { store } : {}),
    counters: {
      ...node.counters,
      listeners_dropped: node.listeners.dropped,
      fsyncs: fsyncs.count,
      fsyncs_on_thread: fsyncs.onThread,
    },
  };
}

/**
 * A node's Prometheus metrics.
 *
 * @example
 * ```ts
 * nodeMetrics(nodeStatus(node, ports)); // "# HELP zog_received_total ..."
 * ```
 */
export function nodeMetrics(status: NodeStatus): string {
  const node = { node: status.node };
  const counter = (name: string, help: string, value: number): Metric => ({
    name: `zog_${name}_total`,
    help,
    type: "counter",
    samples: [{ labels: node, value }],
  });
  const c = status.counters;
  return renderMetrics([
    counter("received", "Valid DATA received from clients and peers", c.received ?? 0),
    counter("forwarded", "DATA sent to peers (redeliveries included)", c.forwarded ?? 0),
    counter("logged", "Messages written to access.log", c.logged ?? 0),
    counter("invalid", "Invalid messages written to error.log", c.invalid ?? 0),
    counter("duplicates", "Duplicate message ids dropped", c.duplicates ?? 0),
    counter("record_errors", "Messages not acknowledged because they could not be recorded", c.record_errors ?? 0),
    counter("backlog_dropped", "Messages dropped from a full peer backlog", c.backlog_dropped ?? 0),
    counter("listeners_dropped", "Listeners dropped for being too slow", c.listeners_dropped ?? 0),
    counter("fsyncs", "fsyncs of the journal before OK (one per commit)", c.fsyncs ?? 0),
    counter("fsyncs_on_thread", "Of those, fsyncs run on a worker thread (the disk was slow)", c.fsyncs_on_thread ?? 0),
    {
      name: "zog_fsync_seconds",
      help: "Moving average of the fsyncs before OK",
      type: "gauge",
      samples: [{ labels: node, value: status.fsync_ms / 1000 }],
    },
    {
      name: "zog_link_up",
      help: "1 when the link to the peer is up",
      type: "gauge",
      samples: status.links.map((l) => ({ labels: { ...node, peer: l.peer }, value: l.state === "up" ? 1 : 0 })),
    },
    {
      name: "zog_backlog",
      help: "Messages owed to the peer and not acknowledged yet",
      type: "gauge",
      samples: status.links.map((l) => ({ labels: { ...node, peer: l.peer }, value: l.backlog })),
    },
    { name: "zog_listeners", help: "Subscribed listeners", type: "gauge", samples: [{ labels: node, value: status.listeners }] },
    ...(status.clients
      ? ([
          { name: "zog_clients", help: "Client connections open", type: "gauge", samples: [{ labels: node, value: status.clients.open }] },
          { name: "zog_clients_max", help: "max_clients in force", type: "gauge", samples: [{ labels: node, value: status.clients.max }] },
          counter("clients_refused", "Client connections refused at max_clients", status.clients.refused),
          counter("clients_timed_out", "Client connections closed mid-packet or idle", status.clients.timed_out),
        ] satisfies Metric[])
      : []),
    ...(status.store
      ? ([
          {
            name: "zog_last_seq",
            help: "The last sequence number this node gave",
            type: "gauge",
            samples: [{ labels: node, value: status.store.last_seq }],
          },
          {
            name: "zog_store_bytes",
            help: "Bytes of the store in use",
            type: "gauge",
            samples: [{ labels: node, value: status.store.bytes }],
          },
          {
            name: "zog_position",
            help: "Position (last acknowledged seq) of a durable listener or group",
            type: "gauge",
            samples: status.store.positions.map((p) => ({ labels: { ...node, [p.kind]: p.name }, value: p.position })),
          },
          ...positionMetrics(node, status.store.positions),
        ] satisfies Metric[])
      : []),
  ]);
}

/** The lag, connections and group counters of each durable listener and group. */
function positionMetrics(node: Record<string, string>, positions: readonly PositionRow[]): Metric[] {
  const gauge = (name: string, help: string, rows: readonly PositionRow[], value: (p: PositionRow) => number): Metric => ({
    name,
    help,
    type: "gauge",
    samples: rows.map((p) => ({ labels: { ...node, [p.kind]: p.name }, value: value(p) })),
  });
  const groups = positions.filter((p) => p.kind === "group");
  return [
    gauge("zog_position_lag_messages", "Seqs logged past the position of a durable listener or group", positions, (p) => p.lag_messages),
    gauge(
      "zog_position_lag_seconds",
      "Age of the first message past the position of a durable listener or group",
      positions,
      (p) => p.lag_seconds,
    ),
    gauge("zog_position_connected", "Connections of a durable listener (0 or 1) or members of a group", positions, (p) => p.connected),
    gauge("zog_group_in_flight", "A group's messages handed out and not acknowledged", groups, (p) => p.in_flight),
    {
      ...gauge(
        "zog_group_redeliveries_total",
        "A group's messages moved to another member since the node started",
        groups,
        (p) => p.redeliveries ?? 0,
      ),
      type: "counter",
    },
    {
      ...gauge(
        "zog_group_late_acks_total",
        "A group's acknowledgements refused since the node started (the message had moved)",
        groups,
        (p) => p.late_acks ?? 0,
      ),
      type: "counter",
    },
  ];
}
