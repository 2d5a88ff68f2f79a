/**
 * The Zeus protocol's messages (seed 000, plus this project's extensions), as typed
 * values, and their encoding into uwsgi packets of modifier1 {@link ZEUS_MODIFIER1}.
 * Pure: values in, packets out, and back.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import { decodeVarsBytes, encodeVars, type Packet, ZEUS_MODIFIER1 } from "../packet/mod.ts";

/**
 * modifier2 of each message type: 0..11 are the seed's, 12..15 are extensions (15:
 * VASSAL_STATE, the truth about each vassal), 40..41 are several zeus' (NOT_LEADER: a
 * standby's answer naming the leader; ZEUS_ALIVE: the leader's heartbeat, so that emperors
 * leave a paused leader).
 */
export const MSG = {
  I_AM_ALIVE: 0,
  NEW_VASSAL: 1,
  ACCEPTED_VASSAL: 2,
  CONFIG_CHUNK: 3,
  CONFIG_END: 4,
  VASSAL_SPAWNED: 5,
  VASSAL_REJECTED: 6,
  VASSAL_RELOAD: 7,
  VASSAL_UPDATE: 8,
  VASSAL_DESTROY: 9,
  VASSAL_RELOADED: 10,
  VASSAL_DESTROYED: 11,
  VASSAL_REPORT: 12,
  REPORT_END: 13,
  ERROR: 14,
  VASSAL_STATE: 15,
  NOT_LEADER: 40,
  ZEUS_ALIVE: 41,
} as const;

/** A message type's name. */
export type MsgType = keyof typeof MSG;

const NAMES: Partial<Record<number, MsgType>> = Object.fromEntries(Object.entries(MSG).map(([k, n]) => [n, k as MsgType]));

/** Types an emperor sends (zeus accepts only these); ERROR goes both ways. */
export const FROM_EMPEROR: ReadonlySet<MsgType> = new Set<MsgType>([
  "I_AM_ALIVE",
  "ACCEPTED_VASSAL",
  "VASSAL_SPAWNED",
  "VASSAL_REJECTED",
  "VASSAL_RELOADED",
  "VASSAL_DESTROYED",
  "VASSAL_REPORT",
  "REPORT_END",
  "ERROR",
  "VASSAL_STATE",
]);

/** Types zeus sends (an emperor accepts only these). */
export const FROM_ZEUS: ReadonlySet<MsgType> = new Set<MsgType>([
  "NEW_VASSAL",
  "CONFIG_CHUNK",
  "CONFIG_END",
  "VASSAL_RELOAD",
  "VASSAL_UPDATE",
  "VASSAL_DESTROY",
  "ERROR",
  "NOT_LEADER",
  "ZEUS_ALIVE",
]);

/** One vassal an emperor runs, as listed in VASSAL_REPORT. */
export interface ReportedVassal {
  name: string;
  /** 0 when the vassal has no process right now (e.g. waiting out its restart throttle). */
  pid: number;
  restarts: number;
  /** sha256 (hex) of the config it runs. */
  sha256: string;
}

/** The states an emperor reports of a vassal (VASSAL_STATE). */
export const VASSAL_STATES = ["starting", "running", "reloading", "stopping", "backoff", "unhealthy", "stopped"] as const;

/** A vassal's state on its emperor, as VASSAL_STATE reports it. */
export interface VassalStateReport {
  name: string;
  state: (typeof VASSAL_STATES)[number];
  pid: number;
  restarts: number;
  /** The last exit: its code, or the signal that ended it. */
  exitCode?: number;
  exitSignal?: string;
  /** The last line the vassal wrote to stderr before that exit (escaped, at most 200 bytes and some). */
  stderr?: string;
  /** Young deaths in a row (in backoff). */
  streak?: number;
  /** Its health check's verdict and last result, when it has a check. */
  health?: "unknown" | "healthy" | "unhealthy";
  check?: string;
}

/** A decoded Zeus message. */
export type ZeusMessage =
  | { type: "I_AM_ALIVE"; node: string; maxVassals: number; runningVassals: number; labels?: Record<string, string> }
  | { type: "NEW_VASSAL"; name: string }
  | { type: "ACCEPTED_VASSAL"; name: string }
  | { type: "CONFIG_CHUNK"; name: string; body: Uint8Array }
  | { type: "CONFIG_END"; name: string; sha256: string }
  | { type: "VASSAL_SPAWNED"; name: string; pid: number; restarts: number }
  | { type: "VASSAL_REJECTED"; name: string; reason: string }
  | { type: "VASSAL_RELOAD"; name: string }
  | { type: "VASSAL_UPDATE"; name: string }
  | { type: "VASSAL_DESTROY"; name: string }
  | { type: "VASSAL_RELOADED"; name: string; pid: number; restarts: number }
  | { type: "VASSAL_DESTROYED"; name: string }
  | { type: "VASSAL_REPORT"; vassals: ReportedVassal[] }
  | { type: "REPORT_END"; count: number }
  | { type: "ERROR"; reason: string }
  | ({ type: "VASSAL_STATE" } & VassalStateReport)
  /** `leader`: "HOST:PORT" of the leader, "" while none is known. */
  | { type: "NOT_LEADER"; leader: string }
  /** An emperor that hears nothing from zeus for `deadAfterMs` leaves it. */
  | { type: "ZEUS_ALIVE"; deadAfterMs: number };

const text = new TextDecoder("utf-8", { fatal: true });

function str(vars: Record<string, Uint8Array>, key: string, type: MsgType): string {
  const v = vars[key];
  if (v === undefined) throw new ProtocolError(`${type} has no "${key}" var`);
  try {
    return text.decode(v);
  } catch {
    throw new ProtocolError(`${type} var "${key}" is not valid UTF-8`);
  }
}

function int(vars: Record<string, Uint8Array>, key: string, type: MsgType, fallback?: number): number {
  if (vars[key] === undefined && fallback !== undefined) return fallback;
  const s = str(vars, key, type);
  if (!/^[0-9]{1,10}$/.test(s)) throw new ProtocolError(`${type} var "${key}" is "${s.slice(0, 40)}", not a non-negative integer`);
  return Number(s);
}

function name(vars: Record<string, Uint8Array>, type: MsgType): string {
  const n = str(vars, "name", type);
  if (n === "") throw new ProtocolError(`${type} has an empty name`);
  return n;
}

/** The "v.NAME" → "PID RESTARTS SHA256" vars of a VASSAL_REPORT. */
function reportVassals(vars: Record<string, Uint8Array>): ReportedVassal[] {
  const out: ReportedVassal[] = [];
  for (const key of Object.keys(vars)) {
    if (!key.startsWith("v.")) continue;
    const m = /^([0-9]{1,10}) ([0-9]{1,10}) ([0-9a-f]{64})$/.exec(str(vars, key, "VASSAL_REPORT"));
    if (!m || key.length === 2) throw new ProtocolError(`VASSAL_REPORT entry "${key}" is not "v.NAME" = "PID RESTARTS SHA256"`);
    out.push({ name: key.slice(2), pid: Number(m[1]), restarts: Number(m[2]), sha256: m[3]! });
  }
  return out;
}

/** The "l.KEY" → "VALUE" vars of an I_AM_ALIVE: the emperor's labels. */
function labelVars(vars: Record<string, Uint8Array>): Record<string, string> | undefined {
  const keys = Object.keys(vars).filter((k) => k.startsWith("l."));
  if (keys.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const k of keys) {
    if (!/^l\.[A-Za-z0-9._\/-]{1,63}$/.test(k)) throw new ProtocolError(`I_AM_ALIVE label "${k.slice(0, 70)}" is not "l.KEY"`);
    out[k.slice(2)] = str(vars, k, "I_AM_ALIVE");
  }
  return out;
}

function stateReport(v: Record<string, Uint8Array>): ZeusMessage {
  const type = "VASSAL_STATE";
  const state = str(v, "state", type);
  if (!(VASSAL_STATES as readonly string[]).includes(state))
    throw new ProtocolError(`VASSAL_STATE state "${state.slice(0, 40)}" is unknown`);
  const m: ZeusMessage = {
    type,
    name: name(v, type),
    state: state as VassalStateReport["state"],
    pid: int(v, "pid", type, 0),
    restarts: int(v, "restarts", type, 0),
  };
  if (v.exit !== undefined) m.exitCode = int(v, "exit", type);
  if (v.signal !== undefined) m.exitSignal = str(v, "signal", type);
  if (v.streak !== undefined) m.streak = int(v, "streak", type);
  if (v.health !== undefined) {
    const h = str(v, "health", type);
    if (h !== "unknown" && h !== "healthy" && h !== "unhealthy")
      throw new ProtocolError(`VASSAL_STATE health "${h.slice(0, 40)}" is unknown`);
    m.health = h;
  }
  if (v.check !== undefined) m.check = str(v, "check", type);
  if (v.stderr !== undefined) m.stderr = str(v, "stderr", type);
  return m;
}

/**
 * Decodes one packet into a message, checking the direction it may travel.
 *
 * @param from who sent it: "emperor" (zeus decoding) or "zeus" (an emperor decoding)
 * @throws {ProtocolError} on an unknown type, a type that may not come from `from`, or a missing/bad var
 * @throws {PacketError} on a malformed vars payload
 * @example
 * ```ts
 * const m = decodeMessage(packet, "emperor");
 * if (m.type === "I_AM_ALIVE") console.log(m.node);
 * ```
 */
export function decodeMessage(p: Packet, from: "emperor" | "zeus"): ZeusMessage {
  const type = NAMES[p.modifier2];
  if (type === undefined) throw new ProtocolError(`unknown Zeus message type ${p.modifier2}`);
  const allowed = from === "emperor" ? FROM_EMPEROR : FROM_ZEUS;
  if (!allowed.has(type))
    throw new ProtocolError(`${type} (type ${p.modifier2}) may not be sent by ${from === "emperor" ? "an emperor" : "zeus"}`);
  const v = decodeVarsBytes(p.payload);
  switch (type) {
    case "I_AM_ALIVE": {
      const labels = labelVars(v);
      return {
        type,
        node: str(v, "node", type),
        maxVassals: int(v, "max_vassals", type),
        runningVassals: int(v, "running_vassals", type),
        ...(labels ? { labels } : {}),
      };
    }
    case "VASSAL_STATE":
      return stateReport(v);
    case "CONFIG_CHUNK":
      if (v.body === undefined) throw new ProtocolError(`CONFIG_CHUNK has no "body" var`);
      return { type, name: name(v, type), body: v.body.slice() };
    case "CONFIG_END": {
      const sha256 = str(v, "sha256", type);
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new ProtocolError(`CONFIG_END sha256 "${sha256.slice(0, 70)}" is not 64 hex digits`);
      return { type, name: name(v, type), sha256 };
    }
    case "VASSAL_SPAWNED":
    case "VASSAL_RELOADED":
      return { type, name: name(v, type), pid: int(v, "pid", type, 0), restarts: int(v, "restarts", type, 0) };
    case "VASSAL_REJECTED":
      return { type, name: name(v, type), reason: v.reason === undefined ? "no reason given" : str(v, "reason", type) };
    case "VASSAL_REPORT":
      return { type, vassals: reportVassals(v) };
    case "REPORT_END":
      return { type, count: int(v, "count", type) };
    case "ERROR":
      return { type, reason: str(v, "reason", type) };
    case "NOT_LEADER":
      return { type, leader: v.leader === undefined ? "" : str(v, "leader", type) };
    case "ZEUS_ALIVE":
      return { type, deadAfterMs: int(v, "dead_after_ms", type) };
    default:
      return { type, name: name(v, type) };
  }
}

function varsOf(m: ZeusMessage): Record<string, string | Uint8Array> {
  switch (m.type) {
    case "I_AM_ALIVE": {
      const vars: Record<string, string> = { node: m.node, max_vassals: String(m.maxVassals), running_vassals: String(m.runningVassals) };
      for (const [k, val] of Object.entries(m.labels ?? {})) vars[`l.${k}`] = val;
      return vars;
    }
    case "VASSAL_STATE": {
      const vars: Record<string, string> = { name: m.name, state: m.state, pid: String(m.pid), restarts: String(m.restarts) };
      if (m.exitCode !== undefined) vars.exit = String(m.exitCode);
      if (m.exitSignal !== undefined) vars.signal = m.exitSignal;
      if (m.streak !== undefined) vars.streak = String(m.streak);
      if (m.health !== undefined) vars.health = m.health;
      if (m.check !== undefined) vars.check = m.check.slice(0, 500);
      if (m.stderr !== undefined) vars.stderr = m.stderr.slice(0, 500);
      return vars;
    }
    case "CONFIG_CHUNK":
      return { name: m.name, body: m.body };
    case "CONFIG_END":
      return { name: m.name, sha256: m.sha256 };
    case "VASSAL_SPAWNED":
    case "VASSAL_RELOADED":
      return { name: m.name, pid: String(m.pid), restarts: String(m.restarts) };
    case "VASSAL_REJECTED":
      return { name: m.name, reason: m.reason };
    case "VASSAL_REPORT": {
      const vars: Record<string, string> = {};
      for (const r of m.vassals) vars[`v.${r.name}`] = `${r.pid} ${r.restarts} ${r.sha256}`;
      return vars;
    }
    case "REPORT_END":
      return { count: String(m.count) };
    case "ERROR":
      return { reason: m.reason };
    case "NOT_LEADER":
      return { leader: m.leader };
    case "ZEUS_ALIVE":
      return { dead_after_ms: String(m.deadAfterMs) };
    default:
      return { name: m.name };
  }
}

/**
 * Encodes a message as one packet; `term`, when given, is the sending leader's term (the
 * `term` var an emperor fences commands by).
 *
 * @throws {RangeError} when the payload would exceed 65535 bytes (use {@link configMessages}
 *   and {@link reportMessages} for what can be large)
 * @example
 * ```ts
 * conn.write(encodePacket(encodeMessage({ type: "NEW_VASSAL", name: "app.ini" })));
 * ```
 */
export function encodeMessage(m: ZeusMessage, term?: number): Packet {
  const vars = varsOf(m);
  if (term !== undefined) vars.term = String(term);
  const payload = encodeVars(vars);
  if (payload.byteLength > 0xffff) throw new RangeError(`${m.type} payload is ${payload.byteLength} bytes; the limit is 65535`);
  return { modifier1: ZEUS_MODIFIER1, modifier2: MSG[m.type], payload };
}

/**
 * The leadership term a packet from zeus carries (its `term` var), or undefined when it
 * carries none (a zeus that does not fence).
 *
 * @throws {ProtocolError} when `term` is not a non-negative integer
 * @example
 * ```ts
 * messageTerm(encodeMessage({ type: "VASSAL_RELOAD", name: "a.toml" }, 12)); // 12
 * ```
 */
export function messageTerm(p: Packet): number | undefined {
  const raw = decodeVarsBytes(p.payload).term;
  if (raw === undefined) return undefined;
  const s = text.decode(raw);
  if (!/^[0-9]{1,15}$/.test(s)) throw new ProtocolError(`term "${s.slice(0, 40)}" is not a non-negative integer`);
  return Number(s);
}
