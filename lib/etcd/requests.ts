/**
 * etcd v3 requests and responses in the JSON shape of etcd's HTTP gateway (`/v3/...`,
 * served by etcd 3.4 and later; 3.4 also answers `/v3beta`): keys and values travel as
 * base64, 64-bit numbers as decimal strings, and fields at their zero value are left out.
 * Pure: values in, `{ path, body }` out, and back.
 *
 * @module
 */

/** One request to the gateway. */
export interface EtcdRequest {
  path: string;
  body: Record<string, unknown>;
}

/** A key-value pair as read, decoded. */
export interface KeyValue {
  key: string;
  value: Uint8Array;
  createRevision: number;
  modRevision: number;
  /** "0" when the key has no lease. */
  lease: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Base64 of a string's UTF-8 or of bytes. */
export function b64(s: string | Uint8Array): string {
  return Buffer.from(typeof s === "string" ? enc.encode(s) : s).toString("base64");
}

/** The key just past every key starting with `prefix` (etcd's `range_end` for a prefix). */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(enc.encode(prefix));
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      bytes[i]!++;
      return b64(bytes.subarray(0, i + 1));
    }
  }
  return b64("\0");
}

/**
 * Reads one key, or every key under a prefix.
 *
 * @example
 * ```ts
 * rangeRequest("/zeus/", { prefix: true, keysOnly: true, limit: 10 });
 * ```
 */
export function rangeRequest(key: string, opts: RangeOptions = {}): EtcdRequest {
  return { path: "/v3/kv/range", body: rangeBody(key, opts) };
}

/** Options of a range: every key under `key` as a prefix, or up to `end` (base64, exclusive). */
export interface RangeOptions {
  prefix?: boolean;
  /** The range's end, as {@link prefixEnd} gives it (base64); wins over `prefix`. */
  end?: string;
  keysOnly?: boolean;
  limit?: number;
  /** Read at this revision (0: the latest), so that pages of one listing agree. */
  revision?: number;
}

function rangeBody(key: string, opts: RangeOptions): Record<string, unknown> {
  return {
    key: b64(key),
    ...(opts.end ? { range_end: opts.end } : opts.prefix ? { range_end: prefixEnd(key) } : {}),
    ...(opts.keysOnly ? { keys_only: true } : {}),
    ...(opts.limit ? { limit: String(opts.limit) } : {}),
    ...(opts.revision ? { revision: String(opts.revision) } : {}),
  };
}

function putBody(key: string, value: string | Uint8Array, lease?: string): Record<string, unknown> {
  return { key: b64(key), value: b64(value), ...(lease ? { lease } : {}) };
}

/** Writes one key, attached to `lease` when given. */
export function putRequest(key: string, value: string | Uint8Array, lease?: string): EtcdRequest {
  return { path: "/v3/kv/put", body: putBody(key, value, lease) };
}

/** Deletes one key, or every key under a prefix. */
export function deleteRequest(key: string, opts: { prefix?: boolean } = {}): EtcdRequest {
  return { path: "/v3/kv/deleterange", body: { key: b64(key), ...(opts.prefix ? { range_end: prefixEnd(key) } : {}) } };
}

/** A condition of a transaction. */
export type Compare = { key: string; createRevision: number } | { key: string; lease: string } | { key: string; modRevision: number };

/** An operation of a transaction. */
export type TxnOp = { put: string; value: string | Uint8Array; lease?: string } | { range: string } | { delete: string; prefix?: boolean };

function compareBody(c: Compare): Record<string, unknown> {
  if ("createRevision" in c) return { key: b64(c.key), target: "CREATE", result: "EQUAL", create_revision: String(c.createRevision) };
  if ("modRevision" in c) return { key: b64(c.key), target: "MOD", result: "EQUAL", mod_revision: String(c.modRevision) };
  return { key: b64(c.key), target: "LEASE", result: "EQUAL", lease: c.lease };
}

function opBody(op: TxnOp): Record<string, unknown> {
  if ("put" in op) return { request_put: putBody(op.put, op.value, op.lease) };
  if ("range" in op) return { request_range: rangeBody(op.range, {}) };
  return { request_delete_range: { key: b64(op.delete), ...(op.prefix ? { range_end: prefixEnd(op.delete) } : {}) } };
}

/**
 * A transaction: if every `compare` holds, `success` runs, else `failure`.
 *
 * @example
 * ```ts
 * declare const lease: string;
 * // Take the leader key unless someone holds it.
 * txnRequest([{ key: "/z/leader", createRevision: 0 }], [{ put: "/z/leader", value: "me", lease }], [{ range: "/z/leader" }]);
 * ```
 */
export function txnRequest(compare: Compare[], success: TxnOp[], failure: TxnOp[] = []): EtcdRequest {
  return { path: "/v3/kv/txn", body: { compare: compare.map(compareBody), success: success.map(opBody), failure: failure.map(opBody) } };
}

/** Grants a lease of `ttlS` whole seconds. */
export function leaseGrantRequest(ttlS: number): EtcdRequest {
  return { path: "/v3/lease/grant", body: { TTL: String(ttlS) } };
}

/** Renews a lease once. */
export function keepAliveRequest(id: string): EtcdRequest {
  return { path: "/v3/lease/keepalive", body: { ID: id } };
}

/** Asks how long a lease has left (whole seconds, rounded down) and its granted TTL. */
export function timeToLiveRequest(id: string): EtcdRequest {
  return { path: "/v3/lease/timetolive", body: { ID: id } };
}

/** Ends a lease now, deleting its keys. */
export function revokeRequest(id: string): EtcdRequest {
  return { path: "/v3/lease/revoke", body: { ID: id } };
}

/** Opens a watch on a key or a prefix, from `startRevision` when given. */
export function watchRequest(key: string, opts: { prefix?: boolean; startRevision?: number } = {}): EtcdRequest {
  const create = {
    key: b64(key),
    ...(opts.prefix ? { range_end: prefixEnd(key) } : {}),
    ...(opts.startRevision ? { start_revision: String(opts.startRevision) } : {}),
  };
  return { path: "/v3/watch", body: { create_request: create } };
}

// ---- responses --------------------------------------------------------------------

type Json = Record<string, unknown>;

/** A decoded key-value of a response. */
export function decodeKv(kv: Json): KeyValue {
  return {
    key: dec.decode(Buffer.from(String(kv.key ?? ""), "base64")),
    value: new Uint8Array(Buffer.from(String(kv.value ?? ""), "base64")),
    createRevision: Number(kv.create_revision ?? 0),
    modRevision: Number(kv.mod_revision ?? 0),
    lease: String(kv.lease ?? "0"),
  };
}

/** The store's revision a response was made at. */
export function revisionOf(res: Json): number {
  return Number((res.header as Json | undefined)?.revision ?? 0);
}

/** The key-values of a range response. */
export function rangeKvs(res: Json): KeyValue[] {
  return ((res.kvs as Json[] | undefined) ?? []).map(decodeKv);
}

/** Whether a range response stopped at its limit with more keys left. */
export function rangeMore(res: Json): boolean {
  return res.more === true;
}

/** Whether a transaction's comparisons held, and the key-values its range operations read. */
export function txnResult(res: Json): { succeeded: boolean; kvs: KeyValue[] } {
  const responses = (res.responses as Json[] | undefined) ?? [];
  const kvs = responses.flatMap((r) => rangeKvs((r.response_range as Json | undefined) ?? {}));
  return { succeeded: res.succeeded === true, kvs };
}

/** The lease ID and TTL (seconds) of a grant. */
export function grantResult(res: Json): { id: string; ttlS: number } {
  return { id: String(res.ID ?? "0"), ttlS: Number(res.TTL ?? 0) };
}

/** The TTL left after a keepalive: 0 when the lease no longer exists. */
export function keepAliveTtl(res: Json): number {
  return Number(((res.result as Json | undefined) ?? res).TTL ?? 0);
}

/**
 * A time-to-live answer: seconds left (-1: the lease is gone) and the TTL it was granted.
 * etcd rounds the seconds left down, and leaves fields at zero out.
 */
export function timeToLive(res: Json): { ttlS: number; grantedS: number } {
  return { ttlS: Number(res.TTL ?? 0), grantedS: Number(res.grantedTTL ?? 0) };
}

/**
 * At least how many whole seconds ago a lease was last renewed, from a time-to-live answer
 * (etcd rounds the seconds left down, so the lease may be up to a second fresher than its
 * answer says); -1 when the lease is gone. A holder renewing it several times a second shows 0.
 *
 * @example
 * ```ts
 * silentFor({ ttlS: 0, grantedS: 2 }); // 1: no keepalive for over a second
 * ```
 */
export function silentFor(t: { ttlS: number; grantedS: number }): number {
  if (t.ttlS < 0) return -1;
  return Math.max(0, t.grantedS - t.ttlS - 1);
}

/** One event of a watch stream. */
export interface WatchEvent {
  type: "put" | "delete";
  kv: KeyValue;
}

/**
 * One message of a watch stream: its events, or that the watch was cancelled (e.g. the
 * revision asked for was compacted: `compactRevision` says from where history remains).
 */
export function watchMessage(msg: Json): { revision: number; events: WatchEvent[]; canceled?: string; compactRevision?: number } {
  const r = (msg.result as Json | undefined) ?? msg;
  const events = ((r.events as Json[] | undefined) ?? []).map((e) => ({
    type: e.type === "DELETE" ? ("delete" as const) : ("put" as const),
    kv: decodeKv(e.kv as Json),
  }));
  const out = { revision: revisionOf(r), events };
  if (r.canceled) {
    return {
      ...out,
      canceled: String(r.cancel_reason ?? "watch cancelled"),
      ...(r.compact_revision ? { compactRevision: Number(r.compact_revision) } : {}),
    };
  }
  return out;
}
