/**
 * etcd over its HTTP/JSON gateway: the requests, the client (members, watches), paged
 * listings, `etcd://` URLs and leader election on a lease.
 *
 * @example
 * ```ts
 * import { EtcdClient, parseEtcdUrl } from "./mod.ts";
 * const url = parseEtcdUrl("etcd://127.0.0.1:2379/zeus");
 * ```
 *
 * @module
 */
export { EtcdClient, type EtcdClientOptions } from "./client.ts";
export { type Candidate, Election, type ElectionOptions, type Member, type Role } from "./election.ts";
export { rangeAll } from "./range_all.ts";
export {
  b64,
  type Compare,
  decodeKv,
  deleteRequest,
  type EtcdRequest,
  grantResult,
  keepAliveRequest,
  keepAliveTtl,
  type KeyValue,
  leaseGrantRequest,
  prefixEnd,
  putRequest,
  rangeKvs,
  rangeMore,
  type RangeOptions,
  rangeRequest,
  revisionOf,
  revokeRequest,
  silentFor,
  timeToLive,
  timeToLiveRequest,
  type TxnOp,
  txnRequest,
  txnResult,
  type WatchEvent,
  watchMessage,
  watchRequest,
} from "./requests.ts";
export { type EtcdUrl, isEtcdUrl, parseEtcdUrl } from "./url.ts";
