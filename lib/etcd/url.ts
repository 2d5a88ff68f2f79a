/**
 * `etcd://HOST:PORT[,HOST:PORT...]/PREFIX`: where an etcd cluster is and which key prefix
 * is ours.
 *
 * @module
 */
import { parseHostPort } from "../tls/mod.ts";
import { hostPort } from "../net/mod.ts";

/** A parsed etcd URL. */
export interface EtcdUrl {
  /** "HOST:PORT" of each member, in the order given (IPv6 as "[::1]:2379"). */
  endpoints: string[];
  /** The key prefix, starting with "/" and without a trailing "/" (e.g. "/zeus/prod"). */
  prefix: string;
}

/** Whether a flag's value names etcd rather than a file or directory. */
export function isEtcdUrl(s: string): boolean {
  return s.startsWith("etcd://");
}

/**
 * Parses an etcd URL.
 *
 * @throws {SyntaxError} quoting the URL and saying what is wrong
 * @example
 * ```ts
 * parseEtcdUrl("etcd://10.0.0.1:2379,10.0.0.2:2379/zeus/prod");
 * // { endpoints: ["10.0.0.1:2379", "10.0.0.2:2379"], prefix: "/zeus/prod" }
 * ```
 */
export function parseEtcdUrl(s: string): EtcdUrl {
  const bad = (what: string): never => {
    throw new SyntaxError(`etcd URL "${s}" ${what}: write etcd://HOST:PORT[,HOST:PORT...]/PREFIX`);
  };
  if (!isEtcdUrl(s)) bad("does not start with etcd://");
  const rest = s.slice("etcd://".length);
  const slash = rest.indexOf("/");
  if (slash < 0) bad("has no /PREFIX");
  const hosts = rest.slice(0, slash);
  const prefix = rest.slice(slash).replace(/\/+$/, "");
  if (prefix === "") bad("has an empty prefix (the whole key space is not ours)");
  if (/\/\//.test(prefix) || /[\s\0]/.test(prefix)) bad("has a prefix with an empty part or a blank");
  if (hosts === "") bad("names no HOST:PORT");
  const endpoints = hosts.split(",").map((h) => {
    try {
      const hp = parseHostPort(h);
      return hostPort(hp.host, hp.port);
    } catch (e) {
      return bad(`has a bad member "${h}" (${(e as Error).message})`);
    }
  });
  return { endpoints, prefix };
}
