/**
 * What a SUBSCRIBE asks for: its vars read and checked. Pure.
 *
 * @module
 */

/** A subscription's options (docs/PROTOCOL.md, SUBSCRIBE). */
export interface SubscribeRequest {
  /** Only messages whose content starts with this. */
  prefix: string;
  /** Replay from here, then live: everything held, a seq, or a time (ms since the epoch). */
  since?: "all" | { seq: number } | { ms: number };
  /** A durable listener's name: the node keeps its position. */
  durable?: string;
  /** A work-queue group's name: each message goes to one member. */
  group?: string;
  /** How long a group member may hold a message unacknowledged. */
  ackWaitMs: number;
}

/** A group member's ack_wait when it names none (seconds, documented). */
export const DEFAULT_ACK_WAIT_S = 30;

const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Reads SUBSCRIBE vars: `prefix`, `since` ("all" or a seq), `since_time` (ISO 8601),
 * `durable`, `group`, `ack_wait` (seconds).
 *
 * @throws {RangeError} saying which var is wrong and what it takes
 * @example
 * ```ts
 * subscribeRequest({ since: "all", durable: "audit" }); // { prefix: "", since: "all", durable: "audit", ackWaitMs: 30000 }
 * ```
 */
export function subscribeRequest(vars: Readonly<Record<string, string>>): SubscribeRequest {
  const req: SubscribeRequest = { prefix: vars.prefix ?? "", ackWaitMs: DEFAULT_ACK_WAIT_S * 1000 };
  if (vars.since !== undefined && vars.since_time !== undefined) throw new RangeError("SUBSCRIBE takes since or since_time, not both");
  if (vars.since !== undefined) {
    if (vars.since === "all") req.since = "all";
    else if (/^\d{1,15}$/.test(vars.since) && Number(vars.since) >= 1) req.since = { seq: Number(vars.since) };
    else throw new RangeError(`since "${vars.since.slice(0, 40)}" is not "all" or a sequence number`);
  }
  if (vars.since_time !== undefined) {
    const ms = Date.parse(vars.since_time);
    if (!/^\d{4}-\d\d-\d\dT/.test(vars.since_time) || Number.isNaN(ms)) {
      throw new RangeError(`since_time "${vars.since_time.slice(0, 40)}" is not an ISO 8601 time`);
    }
    req.since = { ms };
  }
  for (const key of ["durable", "group"] as const) {
    const v = vars[key];
    if (v === undefined) continue;
    if (!NAME_RE.test(v)) throw new RangeError(`${key} "${v.slice(0, 70)}" is not 1-64 of [A-Za-z0-9._-]`);
    req[key] = v;
  }
  if (req.durable !== undefined && req.group !== undefined) throw new RangeError("SUBSCRIBE takes durable or group, not both");
  if (vars.ack_wait !== undefined) {
    const s = Number(vars.ack_wait);
    if (!/^\d+(\.\d+)?$/.test(vars.ack_wait) || s < 0.1 || s > 86400)
      throw new RangeError(`ack_wait "${vars.ack_wait.slice(0, 20)}" is not 0.1 to 86400 seconds`);
    if (req.group === undefined) throw new RangeError("ack_wait is for group members");
    req.ackWaitMs = Math.round(s * 1000);
  }
  return req;
}
