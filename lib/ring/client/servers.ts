/**
 * The servers sprog talks to and how it picks among them, from `--config`, `--server`,
 * `-r`, `-s HOST` and `-T`. Pure: flags and a parsed ring.toml in, a target out.
 *
 * @module
 */
import { isIP } from "node:net";
import type { RingConfig, RingNode } from "../../config/mod.ts";
import { UsageError } from "../../errors.ts";
import { type HostPort, parseHostPort } from "../../tls/mod.ts";
import type { PickPolicy } from "./picker.ts";

/** The client port when neither ring.toml nor the address names one. */
export const DEFAULT_CLIENT_PORT = 55552;

/** The host `-T/--testing` stands for. */
export const TESTING_HOST = "127.0.0.1";

/** Server choices as given on the command line. */
export interface ServerFlags {
  config?: RingConfig;
  /** `--server` values, in order. */
  servers?: string[];
  roundRobin?: boolean;
  /** `-s/--specificHost` */
  specificHost?: string;
  /** `-T/--testing` */
  testing?: boolean;
}

/** Where messages go: the server list and the policy over it. */
export interface Target {
  servers: HostPort[];
  policy: PickPolicy;
}

function address(s: string, defaultPort: number, flag: string): HostPort {
  try {
    return parseHostPort(s, defaultPort);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Resolves the servers and the policy. `-s HOST` (or `-T`) picks the listed server with
 * that host (a ring.toml node may also be named), or adds it with the client port.
 *
 * @throws {UsageError} on conflicting flags, a bad address, or no server at all
 * @example
 * ```ts
 * resolveTarget({ servers: ["127.0.0.11:55552", "127.0.0.12"], roundRobin: true });
 * // { servers: [{ host: "127.0.0.11", port: 55552 }, { host: "127.0.0.12", port: 55552 }], policy: { kind: "roundRobin" } }
 * ```
 */
export function resolveTarget(f: ServerFlags): Target {
  const given = f.servers ?? [];
  if (f.config && given.length > 0) throw new UsageError("give either --config or --server, not both");
  if (f.testing && f.specificHost !== undefined) throw new UsageError("-T/--testing already means -s 127.0.0.1: give one of them");
  const specific = f.testing ? TESTING_HOST : f.specificHost;
  if (f.roundRobin && specific !== undefined) {
    throw new UsageError(`-r/--roundRobin and ${f.testing ? "-T/--testing" : "-s/--specificHost"} exclude each other`);
  }
  const port = f.config?.clientPort ?? DEFAULT_CLIENT_PORT;
  const servers = f.config
    ? f.config.nodes.map((n) => ({ host: n.host, port: n.clientPort }))
    : given.map((s) => address(s, port, "--server"));
  if (specific === undefined) {
    if (servers.length === 0) throw new UsageError("no server to send to: give --config ring.toml, --server HOST[:PORT], -s HOST or -T");
    return { servers, policy: { kind: f.roundRobin ? "roundRobin" : "random" } };
  }
  const flag = f.testing ? "-T/--testing" : "-s/--specificHost";
  const node = f.config?.nodes.find((n) => n.name === specific);
  const want = node ? { host: node.host, port: node.clientPort } : address(specific, port, flag);
  const explicitPort = node !== undefined || /\]:|^[^:]*:[0-9]+$/.test(specific);
  let index = servers.findIndex((s) => s.host === want.host && (!explicitPort || s.port === want.port));
  // With ring.toml, a bare name must be a node's (an address or HOST:PORT may be any server).
  if (index < 0 && f.config && !f.testing && isIP(want.host) === 0 && !explicitPort) {
    const names = f.config.nodes.map((n) => n.name).join(", ");
    throw new UsageError(`${flag} "${specific}" is no node of ${f.config.file}: pass a node name (${names}) or a node's host`);
  }
  if (index < 0) index = servers.push(want) - 1;
  return { servers, policy: { kind: "specific", index } };
}

/**
 * The one node `sprog listen` subscribes to: `--server`, else this machine's node of
 * ring.toml, else its first node.
 *
 * @throws {UsageError} on a bad address or neither flag
 * @example
 * ```ts
 * listenTarget(undefined, "127.0.0.11"); // { host: "127.0.0.11", port: 55552 }
 * ```
 */
export function listenTarget(config: RingConfig | undefined, server: string | undefined, self?: RingNode): HostPort {
  const port = config?.clientPort ?? DEFAULT_CLIENT_PORT;
  if (server !== undefined) return address(server, port, "--server");
  if (!config) throw new UsageError("no node to listen to: give --server HOST[:PORT] or --config ring.toml");
  const node = self ?? config.nodes[0]!;
  return { host: node.host, port: node.clientPort };
}
