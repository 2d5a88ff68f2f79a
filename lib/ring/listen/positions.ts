/**
 * What a node shows of its durable listeners and groups (`/status`, `/metrics`, `sprog
 * durable ls`, `sprog group ls`): each one's position, how far behind it is in messages
 * and in seconds, when it was last seen, and who is connected. Pure.
 *
 * @module
 */

/** A durable listener or group as the node shows it. */
export interface PositionRow {
  name: string;
  kind: "durable" | "group";
  /** The last seq it acknowledged (a group: every seq up to it). */
  position: number;
  /** Connections now: 0 or 1 for a durable listener, the members of a group. */
  connected: number;
  /** A group's messages handed out and not yet acknowledged. */
  in_flight: number;
  /** Seqs logged past its position (whatever their prefix). */
  lag_messages: number;
  /** How long ago the first message past its position was stored, in seconds (0 when none is). */
  lag_seconds: number;
  /** When it was last connected, acknowledged or left (ISO 8601); absent when never recorded. */
  last_seen?: string;
  /** A group's messages moved to another member since the node started (ack_wait passed, or their member left). */
  redeliveries?: number;
  /** A group's acknowledgements refused since the node started: the message had moved on. */
  late_acks?: number;
}

/** What the node knows of one durable listener or group. */
export interface PositionFacts {
  /** `durable:NAME` or `group:NAME`. */
  key: string;
  position: number;
  connected: number;
  inFlight: number;
  /** A group's counters. */
  group?: { redeliveries: number; lateAcks: number };
  /** When it was last seen (ms since the epoch). */
  seen?: number;
}

/** What the rows are measured against: the store's last and oldest seq, a seq's time, now. */
export interface PositionClock {
  lastSeq: number;
  oldestSeq: number;
  /** When `seq` was stored (ms), or undefined when it is not held. */
  timeOf(seq: number): number | undefined;
  now: number;
}

/**
 * Splits a position key into its kind and name.
 *
 * @throws {RangeError} on a key that is neither `durable:NAME` nor `group:NAME`
 * @example
 * ```ts
 * positionKey("group:jobs"); // { kind: "group", name: "jobs" }
 * ```
 */
export function positionKey(key: string): { kind: "durable" | "group"; name: string } {
  const colon = key.indexOf(":");
  const kind = key.slice(0, colon);
  if (colon < 0 || (kind !== "durable" && kind !== "group"))
    throw new RangeError(`"${key}" is no position key (durable:NAME or group:NAME)`);
  return { kind, name: key.slice(colon + 1) };
}

/**
 * One row: `f` measured against `c`. The lag in seconds is the age of the first message
 * past the position (or of the oldest held, when that one is gone), to a tenth of a second.
 *
 * @example
 * ```ts
 * const clock = { lastSeq: 10, oldestSeq: 1, timeOf: (seq: number) => seq * 1000, now: 20_000 };
 * positionRow({ key: "durable:audit", position: 7, connected: 0, inFlight: 0, seen: 5000 }, clock);
 * // { name: "audit", kind: "durable", position: 7, connected: 0, in_flight: 0, lag_messages: 3, lag_seconds: 12, last_seen: "1970-01-01T00:00:05.000Z" }
 * ```
 */
export function positionRow(f: PositionFacts, c: PositionClock): PositionRow {
  const { kind, name } = positionKey(f.key);
  const lag = Math.max(0, c.lastSeq - f.position);
  const firstBehind = c.timeOf(Math.max(f.position + 1, c.oldestSeq));
  const lagSeconds = lag > 0 && firstBehind !== undefined ? Math.max(0, Math.round((c.now - firstBehind) / 100) / 10) : 0;
  return {
    name,
    kind,
    position: f.position,
    connected: f.connected,
    in_flight: f.inFlight,
    lag_messages: lag,
    lag_seconds: lagSeconds,
    ...(f.seen !== undefined ? { last_seen: new Date(f.seen).toISOString() } : {}),
    ...(f.group ? { redeliveries: f.group.redeliveries, late_acks: f.group.lateAcks } : {}),
  };
}
