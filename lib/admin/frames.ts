/**
 * The admin frames of the Zeus protocol (modifier1 223, modifier2 20..34): an admin
 * client's hello, generic requests and replies, and the streams of `exec` and `logs`,
 * as typed values. Pure: values in, packets out, and back. docs/PROTOCOL.md describes
 * every frame and flow.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import { decodeVarsBytes, encodeVars, type Packet, ZEUS_MODIFIER1 } from "../packet/mod.ts";

/** modifier2 of each admin frame. 20..39 are the admin range of the Zeus protocol. */
export const ADMIN = {
  HELLO: 20,
  WELCOME: 21,
  REFUSED: 22,
  REQUEST: 23,
  REPLY: 24,
  FAILED: 25,
  OPEN: 26,
  OPENED: 27,
  DATA: 28,
  EOF: 29,
  WINDOW: 30,
  RESIZE: 31,
  SIGNAL: 32,
  END: 33,
  CANCEL: 34,
} as const;

/** An admin frame's name. */
export type AdminType = keyof typeof ADMIN;

/** The value of HELLO's `proto`. */
export const ADMIN_PROTO = "zeus-admin/1";

const NAMES = new Map<number, AdminType>(Object.entries(ADMIN).map(([k, v]) => [v, k as AdminType]));

/** True when `modifier2` is in the admin range (20..39). */
export function isAdminType(modifier2: number): boolean {
  return modifier2 >= 20 && modifier2 <= 39;
}

/** What a stream runs: a command where a vassal runs, or the tail of its log. */
export type StreamOpen =
  | {
      kind: "exec";
      vassal: string;
      node?: string;
      argv: string[];
      tty: boolean;
      stdin: boolean;
      rows: number;
      cols: number;
      term?: string;
      who?: string;
    }
  | { kind: "logs"; vassal: string; node?: string; lines: number; follow: boolean; who?: string };

/** A decoded admin frame. `id` numbers a request or a stream on its connection. */
export type AdminFrame =
  | { type: "HELLO"; proto: string; client: string }
  | { type: "WELCOME"; who: string; server: string }
  | { type: "REFUSED"; reason: string }
  | { type: "REQUEST"; id: number; command: string; vars: Record<string, string>; more: boolean }
  | { type: "REPLY"; id: number; vars: Record<string, string>; more: boolean }
  | { type: "FAILED"; id: number; code: string; reason: string }
  | { type: "OPEN"; id: number; open: StreamOpen }
  | { type: "OPENED"; id: number; node: string; pid: number }
  | { type: "DATA"; id: number; fd: number; data: Uint8Array }
  | { type: "EOF"; id: number }
  | { type: "WINDOW"; id: number; bytes: number }
  | { type: "RESIZE"; id: number; rows: number; cols: number }
  | { type: "SIGNAL"; id: number; signal: string }
  | { type: "END"; id: number; code: number; signal?: string; error?: string; reason?: string }
  | { type: "CANCEL"; id: number; reason: string };

/** A stream frame without its `id`: what a stream's end sends, the stream's owner numbering it. */
export type StreamFrameBody = AdminFrame extends infer F ? (F extends { id: number } ? Omit<F, "id"> : never) : never;

const utf8 = new TextDecoder("utf-8", { fatal: true });

type Raw = Record<string, Uint8Array>;

function str(v: Raw, key: string, type: AdminType, fallback?: string): string {
  const b = v[key];
  if (b === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ProtocolError(`${type} has no "${key}" var`);
  }
  try {
    return utf8.decode(b);
  } catch {
    throw new ProtocolError(`${type} var "${key}" is not valid UTF-8`);
  }
}

function int(v: Raw, key: string, type: AdminType, fallback?: number): number {
  if (v[key] === undefined && fallback !== undefined) return fallback;
  const s = str(v, key, type);
  if (!/^[0-9]{1,10}$/.test(s)) throw new ProtocolError(`${type} var "${key}" is "${s.slice(0, 40)}", not a non-negative integer`);
  return Number(s);
}

/** The caller's vars of a REQUEST or REPLY: every key not starting with "@". */
function userVars(v: Raw, type: AdminType): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(v)) if (!k.startsWith("@")) out[k] = str(v, k, type);
  return out;
}

/** Vassal and node names: what vassal_name.ts and --node accept (so they log as they are). */
const NAME = /^[A-Za-z0-9._-]{1,255}$/;
/** Printable ASCII: one log line, one environment value. */
const PLAIN = /^[\x20-\x7e]{0,256}$/;

function named(v: Raw, key: string): string {
  const s = str(v, key, "OPEN");
  if (!NAME.test(s) || s === "." || s === "..")
    throw new ProtocolError(`OPEN ${key} ${JSON.stringify(s.slice(0, 60))} is not a name ([A-Za-z0-9._-], 1-255 bytes)`);
  return s;
}

function plain(v: Raw, key: string, type: AdminType, fallback?: string): string {
  const s = str(v, key, type, fallback);
  if (!PLAIN.test(s))
    throw new ProtocolError(`${type} var "${key}" ${JSON.stringify(s.slice(0, 60))} is not printable ASCII of at most 256 bytes`);
  return s;
}

function commandName(v: Raw): string {
  const s = str(v, "@cmd", "REQUEST");
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(s))
    throw new ProtocolError(`REQUEST @cmd ${JSON.stringify(s.slice(0, 60))} is not a command name ([A-Za-z0-9._-], 1-64 bytes)`);
  return s;
}

function size(v: Raw, key: string, fallback: number): number {
  const n = int(v, key, "OPEN", fallback);
  return Math.min(Math.max(n, 1), 10_000);
}

function decodeOpen(v: Raw): StreamOpen {
  const kind = str(v, "kind", "OPEN");
  const vassal = named(v, "vassal");
  const node = v.node === undefined ? {} : { node: named(v, "node") };
  const who = v.who === undefined ? {} : { who: plain(v, "who", "OPEN") };
  if (kind === "logs")
    return { kind, vassal, ...node, lines: int(v, "lines", "OPEN", 10), follow: str(v, "follow", "OPEN", "0") === "1", ...who };
  if (kind !== "exec") throw new ProtocolError(`OPEN kind "${kind.slice(0, 40)}" is neither "exec" nor "logs"`);
  const argc = int(v, "argc", "OPEN");
  if (argc < 1 || argc > 4096) throw new ProtocolError(`OPEN argc ${argc} is not 1..4096`);
  const argv = Array.from({ length: argc }, (_, i) => str(v, `arg.${i}`, "OPEN"));
  return {
    kind,
    vassal,
    ...node,
    argv,
    tty: str(v, "tty", "OPEN", "0") === "1",
    stdin: str(v, "stdin", "OPEN", "0") === "1",
    rows: size(v, "rows", 24),
    cols: size(v, "cols", 80),
    ...(v.term === undefined ? {} : { term: plain(v, "term", "OPEN") }),
    ...who,
  };
}

/**
 * Decodes one packet of the admin range.
 *
 * @throws {ProtocolError} on an unknown type or a missing or malformed var
 * @throws {PacketError} on a malformed vars payload
 * @example
 * ```ts
 * const f = decodeAdminFrame(packet);
 * if (f.type === "DATA") process.stdout.write(f.data);
 * ```
 */
export function decodeAdminFrame(p: Packet): AdminFrame {
  const type = NAMES.get(p.modifier2);
  if (type === undefined) throw new ProtocolError(`unknown admin frame type ${p.modifier2}`);
  const v = decodeVarsBytes(p.payload);
  const id = (key = "id") => int(v, key, type);
  switch (type) {
    case "HELLO":
      return { type, proto: plain(v, "proto", type), client: plain(v, "client", type, "") };
    case "WELCOME":
      return { type, who: str(v, "who", type), server: str(v, "server", type, "") };
    case "REFUSED":
      return { type, reason: str(v, "reason", type) };
    case "REQUEST":
      return { type, id: id("@id"), command: commandName(v), vars: userVars(v, type), more: v["@more"] !== undefined };
    case "REPLY":
      return { type, id: id("@id"), vars: userVars(v, type), more: v["@more"] !== undefined };
    case "FAILED":
      return { type, id: id("@id"), code: str(v, "code", type, "failed"), reason: str(v, "reason", type) };
    case "OPEN":
      return { type, id: id(), open: decodeOpen(v) };
    case "OPENED":
      return { type, id: id(), node: str(v, "node", type, ""), pid: int(v, "pid", type, 0) };
    case "DATA": {
      const fd = int(v, "fd", type);
      if (fd > 2) throw new ProtocolError(`DATA fd ${fd} is not 0, 1 or 2`);
      if (v.data === undefined) throw new ProtocolError(`DATA has no "data" var`);
      return { type, id: id(), fd, data: v.data.slice() };
    }
    case "EOF":
      return { type, id: id() };
    case "WINDOW":
      return { type, id: id(), bytes: int(v, "bytes", type) };
    case "RESIZE":
      return { type, id: id(), rows: size(v, "rows", 24), cols: size(v, "cols", 80) };
    case "SIGNAL":
      return { type, id: id(), signal: str(v, "signal", type) };
    case "END": {
      const opt = (k: string) => (v[k] === undefined ? {} : { [k]: str(v, k, type) });
      return { type, id: id(), code: int(v, "code", type, 0), ...opt("signal"), ...opt("error"), ...opt("reason") };
    }
    case "CANCEL":
      return { type, id: id(), reason: str(v, "reason", type, "cancelled") };
  }
}

function varsOf(f: AdminFrame): Record<string, string | Uint8Array> {
  switch (f.type) {
    case "HELLO":
      return { proto: f.proto, client: f.client };
    case "WELCOME":
      return { who: f.who, server: f.server };
    case "REFUSED":
      return { reason: f.reason };
    case "REQUEST":
      return { "@id": String(f.id), "@cmd": f.command, ...(f.more ? { "@more": "1" } : {}), ...f.vars };
    case "REPLY":
      return { "@id": String(f.id), ...(f.more ? { "@more": "1" } : {}), ...f.vars };
    case "FAILED":
      return { "@id": String(f.id), code: f.code, reason: f.reason };
    case "OPEN":
      return { id: String(f.id), ...openVars(f.open) };
    case "OPENED":
      return { id: String(f.id), node: f.node, pid: String(f.pid) };
    case "DATA":
      return { id: String(f.id), fd: String(f.fd), data: f.data };
    case "EOF":
      return { id: String(f.id) };
    case "WINDOW":
      return { id: String(f.id), bytes: String(f.bytes) };
    case "RESIZE":
      return { id: String(f.id), rows: String(f.rows), cols: String(f.cols) };
    case "SIGNAL":
      return { id: String(f.id), signal: f.signal };
    case "END": {
      const out: Record<string, string> = { id: String(f.id), code: String(f.code) };
      if (f.signal !== undefined) out.signal = f.signal;
      if (f.error !== undefined) out.error = f.error;
      if (f.reason !== undefined) out.reason = f.reason;
      return out;
    }
    case "CANCEL":
      return { id: String(f.id), reason: f.reason };
  }
}

function openVars(o: StreamOpen): Record<string, string> {
  const out: Record<string, string> = { kind: o.kind, vassal: o.vassal };
  if (o.node !== undefined) out.node = o.node;
  if (o.who !== undefined) out.who = o.who;
  if (o.kind === "logs") return { ...out, lines: String(o.lines), follow: o.follow ? "1" : "0" };
  out.argc = String(o.argv.length);
  o.argv.forEach((a, i) => (out[`arg.${i}`] = a));
  Object.assign(out, { tty: o.tty ? "1" : "0", stdin: o.stdin ? "1" : "0", rows: String(o.rows), cols: String(o.cols) });
  if (o.term !== undefined) out.term = o.term;
  return out;
}

/**
 * Encodes a frame as one packet.
 *
 * @throws {RangeError} when the payload would exceed 65535 bytes (split requests and
 *   replies with {@link splitVars}; DATA carries at most {@link MAX_DATA} bytes)
 * @example
 * ```ts
 * conn.write(encodePacket(encodeAdminFrame({ type: "WINDOW", id: 1, bytes: 65536 })));
 * ```
 */
export function encodeAdminFrame(f: AdminFrame): Packet {
  const payload = encodeVars(varsOf(f));
  if (payload.byteLength > 0xffff) throw new RangeError(`admin ${f.type} payload is ${payload.byteLength} bytes; the limit is 65535`);
  return { modifier1: ZEUS_MODIFIER1, modifier2: ADMIN[f.type], payload };
}

/** Most bytes one DATA frame carries. */
export const MAX_DATA = 32 * 1024;

/** Output (and input) a stream's receiver grants at OPEN, before any WINDOW. */
export const INITIAL_WINDOW = 256 * 1024;
