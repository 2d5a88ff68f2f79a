/**
 * What every `@example` block in lib/ may use without making it (scripts/check_examples.ts):
 * the values examples conventionally name (`conn` is a connection, `node` the ring node,
 * `core` zeus's coordinator...) with their types, and the library's common entry points.
 * A block that means something else by one of these names declares it itself, which wins.
 * Type-checked with the examples; never run.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { RingConfig, RingNode } from "../lib/config/ring_config.ts";
import type { Supervisor } from "../lib/emperor/supervisor.ts";
import type { EtcdClient } from "../lib/etcd/client.ts";
import type { Conn } from "../lib/net/types.ts";
import type { Packet } from "../lib/packet/packet.ts";
import type { LogFiles } from "../lib/ring/log_files.ts";
import type { ZogNode } from "../lib/ring/node.ts";
import type { RingClient } from "../lib/ring/client/ring_client.ts";
import type { HostPort } from "../lib/tls/endpoint.ts";
import type { Coordinator } from "../lib/zeus/coordinator.ts";
import type { CopyKeeper } from "../lib/zeus/copy_keeper.ts";
import type { VassalRecord } from "../lib/zeus/records.ts";

export declare const conn: Conn;
export declare const node: ZogNode;
export declare const core: Coordinator;
export declare const etcd: EtcdClient;
export declare const packet: Packet;
export declare const files: LogFiles;
export declare const log: Logger;
export declare const sup: Supervisor;
export declare const supervisor: Supervisor;
export declare const keeper: CopyKeeper;
export declare const v: VassalRecord;
export declare const vassals: Map<string, VassalRecord>;
export declare const client: RingClient;
export declare const server: HostPort;
export declare const servers: [HostPort, ...HostPort[]];
export declare const cfg: RingConfig;
export declare const config: RingConfig;
/** This node of `config` (shadows the global `self` of the DOM types). */
export declare const self: RingNode;
export declare const ports: { peer: number; client: number };
export declare const text: string;
export declare const bytes: Uint8Array;
export declare const payload: Uint8Array;
export declare const body: Uint8Array;
export declare const chunk: Uint8Array;
export declare const host: string;
export declare const port: number;
export declare const id: string;
export declare const path: string;
export declare const now: number;
export declare const args: string[];
export declare const e: unknown;

export { decodeAdminFrame, encodeAdminFrame, INITIAL_WINDOW } from "../lib/admin/frames.ts";
export { definedCommands } from "../lib/cli/command.ts";
export { runMain } from "../lib/cli/main.ts";
export { systemClock } from "../lib/clock.ts";
export { intField } from "../lib/config/fields.ts";
export { loadRingConfig } from "../lib/config/ring_config.ts";
export { nodeFiles } from "../lib/config/ring_self.ts";
export { keepAliveRequest, keepAliveTtl, rangeRequest } from "../lib/etcd/requests.ts";
export { getLogger } from "../lib/log/logging.ts";
export { dial, listen } from "../lib/net/mod.ts";
export { encodePacket } from "../lib/packet/packet.ts";
export { decodeVars, encodeVars } from "../lib/packet/vars.ts";
export { nodeStatus } from "../lib/ring/node_status.ts";
export { ringBytes, RingType } from "../lib/ring/protocol.ts";
export { serveStats } from "../lib/stats/server.ts";
export { fetchStatus } from "../lib/stats/table.ts";
export { decodeMessage, encodeMessage } from "../lib/zeus_protocol/messages.ts";
export { sha256Hex } from "../lib/zeus_protocol/config_transfer.ts";
export { UPDATE_DEFAULTS } from "../lib/vassal/fleet_config.ts";
export { rangeKvs } from "../lib/etcd/requests.ts";
export { dirSource } from "../lib/zeus/vassal_source.ts";
export { zeusStatus } from "../lib/zeus/zeus_status.ts";
