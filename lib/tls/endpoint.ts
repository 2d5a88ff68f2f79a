/**
 * Endpoint syntax: `HOST:PORT`, the uWSGI `--zeus` spec and the `--emperor` spec (seed 000).
 * Pure parsers: strings in, values out.
 *
 * @module
 */
import { isIP } from "../net/mod.ts";

/** A host (IP address or DNS name, IPv6 without brackets) and a TCP port. */
export interface HostPort {
  host: string;
  port: number;
}

/** The `--zeus` spec: where zeus listens, its TLS files (paths) and the vassals directory. */
export interface ZeusSpec extends HostPort {
  tls?: { cert: string; key: string; clientCa?: string };
  vassalsDir: string;
}

/** The `--emperor` spec: a zeus to register with, or a local vassals directory. */
export type EmperorSpec =
  { kind: "zeus"; host: string; port: number; tls?: { cert?: string; key?: string } } | { kind: "dir"; dir: string };

const BRACKETS = 'write an IPv6 address in brackets, as "[::1]:4040"';
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/**
 * Parses `HOST:PORT`, `[IPV6]:PORT`, or, when `defaultPort` is given, a bare host.
 *
 * @throws {SyntaxError} on a missing or malformed host or port
 * @throws {RangeError} on a port above 65535
 * @example
 * ```ts
 * parseHostPort("127.0.0.1:4040"); // { host: "127.0.0.1", port: 4040 }
 * parseHostPort("[::1]:4040"); // { host: "::1", port: 4040 }
 * parseHostPort("node1", 55552); // { host: "node1", port: 55552 }
 * ```
 */
export function parseHostPort(s: string, defaultPort?: number): HostPort {
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  if (v6) {
    host = v6[1]!;
    port = v6[2];
    if (isIP(host) !== 6) throw new SyntaxError(`Address "${s}" has "${host}" in brackets, which is not an IPv6 address`);
  } else if (isIP(s) === 6) {
    // "::1:4040" is itself an IPv6 address, so a port can only follow brackets.
    if (defaultPort === undefined) throw new SyntaxError(`Address "${s}" has no port: ${BRACKETS}`);
    host = s;
  } else if (s.split(":").length > 2) {
    throw new SyntaxError(`Address "${s}" is ambiguous: ${BRACKETS}`);
  } else {
    const i = s.lastIndexOf(":");
    host = i < 0 ? s : s.slice(0, i);
    port = i < 0 ? undefined : s.slice(i + 1);
    if (!HOST_NAME.test(host)) throw new SyntaxError(`Address "${s}" has no valid host before the port`);
  }
  if (port === undefined) {
    if (defaultPort === undefined) throw new SyntaxError(`Address "${s}" has no port: expected HOST:PORT`);
    return { host, port: defaultPort };
  }
  return { host, port: parsePort(port, s) };
}

function parsePort(port: string, whole: string): number {
  if (!/^[0-9]{1,5}$/.test(port)) throw new SyntaxError(`Address "${whole}" has port "${port}", which is not a number`);
  const n = Number(port);
  if (n > 65535) throw new RangeError(`Address "${whole}" has port ${n}, above 65535`);
  return n;
}

/**
 * Parses uWSGI's `--zeus` value: `ADDR:PORT[,CRT,KEY[,CLIENTS_PEM]] VASSALS_DIR`.
 * CRT,KEY turn TLS on; CLIENTS_PEM also requires client certificates signed by it.
 *
 * @throws {SyntaxError} on a missing directory, a lone CRT, an empty field or a bad address
 * @example
 * ```ts
 * parseZeusSpec("192.168.173.17:4040,foobar.crt,foobar.key,clients.pem /etc/uwsgi/vassals");
 * // { host: "192.168.173.17", port: 4040, vassalsDir: "/etc/uwsgi/vassals",
 * //   tls: { cert: "foobar.crt", key: "foobar.key", clientCa: "clients.pem" } }
 * ```
 */
export function parseZeusSpec(s: string): ZeusSpec {
  const m = /^\s*(\S+)\s+(\S.*?)\s*$/.exec(s);
  if (!m) throw new SyntaxError(`Zeus spec "${s}" is not "ADDR:PORT[,CRT,KEY[,CLIENTS_PEM]] VASSALS_DIR"`);
  const fields = m[1]!.split(",");
  if (fields.some((f) => f === "")) throw new SyntaxError(`Zeus spec "${s}" has an empty field between commas`);
  if (fields.length === 2 || fields.length > 4) {
    throw new SyntaxError(`Zeus spec "${s}" has ${fields.length - 1} file(s) after the address: expected CRT,KEY or CRT,KEY,CLIENTS_PEM`);
  }
  const { host, port } = parseHostPort(fields[0]!);
  const spec: ZeusSpec = { host, port, vassalsDir: m[2]! };
  if (fields.length >= 3) {
    spec.tls = { cert: fields[1]!, key: fields[2]! };
    if (fields[3] !== undefined) spec.tls.clientCa = fields[3];
  }
  return spec;
}

/**
 * Parses the `--emperor` value: `zeus:HOST:PORT` (plain), `zeus-ssl:HOST:PORT` (TLS, no
 * client cert), `zeus-ssl:HOST:PORT,CRT,KEY`, `zeus-ssl:HOST:PORT,NAME.key` (the seed's
 * form: key NAME.key, certificate NAME.crt beside it), or else a vassals directory.
 *
 * @throws {SyntaxError} on a bad address, files given to plain `zeus:`, or a lone file
 *   that is not a `.key`
 * @example
 * ```ts
 * parseEmperorSpec("zeus-ssl:10.0.0.1:4040,myself.key");
 * // { kind: "zeus", host: "10.0.0.1", port: 4040, tls: { cert: "myself.crt", key: "myself.key" } }
 * parseEmperorSpec("/etc/uwsgi/vassals"); // { kind: "dir", dir: "/etc/uwsgi/vassals" }
 * ```
 */
export function parseEmperorSpec(s: string): EmperorSpec {
  const m = /^(zeus|zeus-ssl):(.*)$/.exec(s);
  if (!m) {
    if (s.trim() === "") throw new SyntaxError(`Emperor spec "${s}" is empty: expected zeus:HOST:PORT or a directory`);
    return { kind: "dir", dir: s };
  }
  const [addr, ...files] = m[2]!.split(",");
  const { host, port } = parseHostPort(addr!);
  if (files.some((f) => f === "")) throw new SyntaxError(`Emperor spec "${s}" has an empty field between commas`);
  if (m[1] === "zeus") {
    if (files.length > 0) throw new SyntaxError(`Emperor spec "${s}" gives TLS files to plain "zeus:": use "zeus-ssl:"`);
    return { kind: "zeus", host, port };
  }
  if (files.length === 0) return { kind: "zeus", host, port, tls: {} };
  if (files.length === 2) return { kind: "zeus", host, port, tls: { cert: files[0]!, key: files[1]! } };
  if (files.length === 1 && files[0]!.endsWith(".key")) {
    return { kind: "zeus", host, port, tls: { cert: files[0]!.slice(0, -4) + ".crt", key: files[0]! } };
  }
  throw new SyntaxError(`Emperor spec "${s}" expects ",CRT,KEY" or ",NAME.key" after the address`);
}
