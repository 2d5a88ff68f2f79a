/**
 * ring.toml: the one config file copied unchanged to every machine of a zog ring.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { enumField, Fields, intField, rejectUnknown, strField } from "./fields.ts";
import { ConfigError, errCode } from "../errors.ts";
import { lineOf, parseTomlText } from "./toml_file.ts";
import { ConfigProblems } from "./problems.ts";
import { DEFAULT_RETAIN, parseRetain, type Retain } from "./retain.ts";

/** One ring member, in ring order. */
export interface RingNode {
  /** Position in the ring, 0-based. */
  index: number;
  name: string;
  host: string;
  peerPort: number;
  clientPort: number;
}

/** `[tls]` of ring.toml; paths may hold `{node}` and are resolved by {@link nodeFiles}. */
export interface RingTls {
  ca: string;
  cert: string;
  key: string;
  clientAuth: "required" | "optional" | "none";
  /** Client certificate names that may administer the node (remove durable listeners and groups). */
  admins: string[];
}

/** Durability policy of log appends before `ok` (see docs/ring.md). */
export type FsyncPolicy = "always" | "batch" | "never";

/** A validated ring.toml. */
export interface RingConfig {
  /** Path of the file it came from; relative paths inside resolve against its folder. */
  file: string;
  peerPort: number;
  clientPort: number;
  /** Seconds between keepAlives on an idle link. */
  keepalive: number;
  /** Log folder template, may contain `{node}`: access.log and error.log. */
  logDir: string;
  /** State folder template, may contain `{node}`: the journal, the store and the positions. */
  stateDir: string;
  fsync: FsyncPolicy;
  /** `ack`: a client's `ok` once the entry node ("local", default) or a majority ("quorum") holds it durably. */
  ack: "local" | "quorum";
  /** What each node keeps in its store for replay (`retain`, default "7d"). */
  retain: Retain;
  /** Client connections at once (`max_clients`); 0: derived from the open-file limit. */
  maxClients: number;
  /** Subscribed listeners at once (`max_listeners`); 0: 256, or max_clients if lower. */
  maxListeners: number;
  /** Seconds a client may send nothing before it is closed (`client_idle`; listeners exempt). */
  clientIdle: number;
  nodes: RingNode[];
  tls?: RingTls;
}

const TOP_KEYS = [
  "peer_port",
  "client_port",
  "keepalive",
  "log_dir",
  "state_dir",
  "fsync",
  "ack",
  "retain",
  "max_clients",
  "max_listeners",
  "client_idle",
  "node",
  "tls",
];
const NODE_KEYS = ["name", "host", "peer_port", "client_port"];
const TLS_KEYS = ["ca", "cert", "key", "client_auth", "admins"];
const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;
const DNS_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const DNS_RE = new RegExp(`^(?=.{1,253}$)${DNS_LABEL}(?:\\.${DNS_LABEL})*\\.?$`);

/**
 * Whether `host` can name a machine: an IPv4/IPv6 address or a DNS name.
 *
 * @example
 * ```ts
 * isHost("192.168.152.242"); // true
 * isHost("not a host!"); // false
 * ```
 */
export function isHost(host: string): boolean {
  return isIP(host) !== 0 || DNS_RE.test(host);
}

/** Most nodes a ring may have: the wrapping byte is one digit. */
export const MAX_NODES = 19;

function parseNodes(doc: Record<string, unknown>, f: Fields, p: ConfigProblems, peerPort: number, clientPort: number): RingNode[] {
  const raw = doc.node;
  if (!Array.isArray(raw) || raw.length === 0) return p.take(() => f.fail("no [[node]] entries: a ring lists its nodes in ring order"), []);
  const list = raw as unknown[];
  const lines = list.map((_, index) => lineOf(f.text, /^\s*\[\[\s*node\s*\]\]/, index));
  // At the only node, or at the first one too many.
  if (list.length < 2) p.take(() => f.fail(`a ring needs at least 2 nodes, found ${list.length}`, lines[0]), undefined);
  if (list.length > MAX_NODES)
    p.take(
      () => f.fail(`a ring has at most ${MAX_NODES} nodes (the wrapping byte is one digit), found ${list.length}`, lines[MAX_NODES]),
      undefined,
    );
  const nodes = list.flatMap((entry, index) => {
    const nf = p.take(() => f.child(entry, `node ${index + 1}`, lines[index]), undefined);
    return nf ? [parseNode(nf, p, index, peerPort, clientPort)] : [];
  });
  const seen = new Map<string, number>();
  for (const n of nodes) {
    if (n.peerPort === n.clientPort)
      p.take(
        () => f.fail(`node ${n.index + 1} has peer_port and client_port both ${n.peerPort}: give its clients another port`, lines[n.index]),
        undefined,
      );
    const keys = [...(n.name ? [`name ${n.name}`] : []), ...(n.host ? [`${n.host}:${n.peerPort}`, `${n.host}:${n.clientPort}`] : [])];
    for (const key of keys) {
      const prev = seen.get(key);
      seen.set(key, n.index);
      if (prev === undefined || prev === n.index) continue;
      p.take(
        () => f.fail(`node ${n.index + 1} repeats ${key} of node ${prev + 1} (line ${lines[prev] ?? "?"})`, lines[n.index]),
        undefined,
      );
      break;
    }
  }
  return nodes;
}

/** One `[[node]]`; a bad name or host is kept as "" so the other checks still run. */
function parseNode(nf: Fields, p: ConfigProblems, index: number, peerPort: number, clientPort: number): RingNode {
  p.take(() => rejectUnknown(nf, NODE_KEYS), undefined);
  const name = p.take(() => {
    const v = strField(nf, "name");
    if (!NAME_RE.test(v)) nf.failKey("name", `name "${v}" may hold only letters, digits, ".", "_" and "-" (1-64)`);
    return v;
  }, "");
  const host = p.take(() => {
    const v = strField(nf, "host");
    if (!isHost(v)) nf.failKey("host", `host "${v}" is not an IP address or a DNS name`);
    return v;
  }, "");
  return {
    index,
    name,
    host,
    peerPort: p.take(() => intField(nf, "peer_port", peerPort, 1, 65535), peerPort),
    clientPort: p.take(() => intField(nf, "client_port", clientPort, 1, 65535), clientPort),
  };
}

function retainField(f: Fields): Retain {
  const text = strField(f, "retain", DEFAULT_RETAIN);
  try {
    return parseRetain(text);
  } catch (e) {
    f.failKey("retain", (e as Error).message);
  }
}

/**
 * Validates a parsed ring.toml document.
 *
 * @param text the file's text, to point errors at lines
 * @throws {ConfigError} naming the file, the line when known, and what is wrong; a
 *   ConfigErrors holding every problem when there are several (a syntax error stops
 *   the reading, so it comes alone)
 * @example
 * ```ts
 * const cfg = ringConfigFromText(await Bun.file("ring.toml").text(), "ring.toml");
 * ```
 */
export function ringConfigFromText(text: string, file: string): RingConfig {
  const doc = parseTomlText(text, file);
  const f = new Fields(doc, file, text, "");
  const p = new ConfigProblems();
  p.take(() => rejectUnknown(f, TOP_KEYS), undefined);
  const int = (key: string, fallback: number, min: number, max: number) => p.take(() => intField(f, key, fallback, min, max), fallback);
  const peerPort = int("peer_port", 55551, 1, 65535);
  const clientPort = int("client_port", 55552, 1, 65535);
  const config: RingConfig = {
    file,
    peerPort,
    clientPort,
    keepalive: int("keepalive", 300, 1, 86400),
    logDir: p.take(() => strField(f, "log_dir", "/var/log/zog/{node}"), ""),
    stateDir: p.take(() => strField(f, "state_dir", "/var/lib/zog/{node}"), ""),
    fsync: p.take(() => enumField(f, "fsync", ["always", "batch", "never"] as const, "batch"), "batch"),
    ack: p.take(() => enumField(f, "ack", ["local", "quorum"] as const, "local"), "local"),
    retain: p.take(() => retainField(f), parseRetain(DEFAULT_RETAIN)),
    maxClients: int("max_clients", 0, 1, 1_000_000),
    maxListeners: int("max_listeners", 0, 1, 1_000_000),
    clientIdle: int("client_idle", 600, 1, 86400 * 365),
    nodes: parseNodes(doc, f, p, peerPort, clientPort),
  };
  if (doc.tls !== undefined) {
    const tf = p.take(() => f.child(doc.tls, "[tls]", lineOf(text, /^\s*\[\s*tls\s*\]/, 0)), undefined);
    if (tf) {
      p.take(() => rejectUnknown(tf, TLS_KEYS), undefined);
      const str = (key: string) => p.take(() => strField(tf, key), "");
      config.tls = {
        ca: str("ca"),
        cert: str("cert"),
        key: str("key"),
        clientAuth: p.take(() => enumField(tf, "client_auth", ["required", "optional", "none"] as const, "required"), "required"),
        admins: p.take(() => namesField(tf, "admins"), []),
      };
    }
  }
  p.throwIfAny();
  return config;
}

/**
 * A list of 1-64 character names (`admins = ["ops", "backup"]`), empty when missing.
 *
 * @throws {ConfigError} when not an array of such names
 */
function namesField(f: Fields, key: string): string[] {
  const v = f.table[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((n) => typeof n === "string" && n !== "" && n.length <= 64))
    f.failKey(key, `${key} must be an array of certificate names (1-64 characters each), got ${JSON.stringify(v)}`);
  return v as string[];
}

/**
 * Reads and validates ring.toml.
 *
 * @throws {ConfigError}
 * @example
 * ```ts
 * const cfg = loadRingConfig("/etc/zog/ring.toml");
 * ```
 */
export function loadRingConfig(file: string): RingConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, `cannot read: ${errCode(e)}`, undefined, { cause: e });
  }
  return ringConfigFromText(text, file);
}
