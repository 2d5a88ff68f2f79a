/**
 * The client side of the ring's mutual TLS, from `--ca/--cert/--key` and ring.toml `[tls]`.
 *
 * @module
 */
import { networkInterfaces, hostname } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { nodeFiles, type RingConfig, type RingNode, selfMatches } from "../../config/mod.ts";
import { UsageError } from "../../errors.ts";
import { getLogger } from "../../log/mod.ts";
import { loadClientFiles, type TlsClientFiles } from "../../tls/mod.ts";

/** TLS paths given as flags. */
export interface TlsFlags {
  ca?: string;
  cert?: string;
  key?: string;
}

/** Paths of the client's TLS files, or undefined for plain TCP. */
export interface TlsPaths {
  ca?: string;
  cert?: string;
  key?: string;
}

const log = getLogger("sprog", "tls");

function machineAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

/**
 * This machine's node of ring.toml, or undefined when it is not a ring machine, or is
 * ambiguous (several nodes run on one machine: logged, as the client then has no node's
 * certificate unless `--cert/--key` give one).
 *
 * @example
 * ```ts
 * thisNode(cfg)?.name; // "MV" on MV
 * ```
 */
export function thisNode(config: RingConfig): RingNode | undefined {
  const matches = selfMatches(config, { addresses: machineAddresses(), hostname: hostname() });
  if (matches.length > 1)
    log.warn("this machine matches several nodes of {file} ({names}): using none of them; pass --cert and --key", {
      file: config.file,
      names: matches.map((n) => n.name).join(", "),
    });
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * Which TLS files to use. Flags win; with ring.toml `[tls]` the CA comes from it and,
 * without `--cert/--key`, the certificate of this machine's node when one matches (a
 * sprog running on a ring machine authenticates as that machine).
 *
 * @example
 * ```ts
 * tlsPaths({ ca: "ca.crt", cert: "me.crt", key: "me.key" }); // those three
 * tlsPaths({}); // undefined: plain TCP
 * ```
 */
export function tlsPaths(flags: TlsFlags, config?: RingConfig): TlsPaths | undefined {
  const out: TlsPaths = { ...flags };
  if (config?.tls) {
    const base = dirname(resolve(config.file));
    out.ca ??= isAbsolute(config.tls.ca) ? config.tls.ca : resolve(base, config.tls.ca);
    const self = out.cert === undefined && out.key === undefined ? thisNode(config) : undefined;
    if (self) {
      const files = nodeFiles(config, self);
      out.cert = files.tls?.cert;
      out.key = files.tls?.key;
    }
  }
  return out.ca || out.cert || out.key ? out : undefined;
}

/**
 * Loads the client's TLS files.
 *
 * @throws {UsageError} when a file is missing, unreadable or not PEM, or only one of cert and key is given
 */
export async function loadClientTls(paths: TlsPaths | undefined): Promise<TlsClientFiles | undefined> {
  if (!paths) return undefined;
  try {
    return await loadClientFiles(paths);
  } catch (e) {
    throw new UsageError((e as Error).message, { cause: e });
  }
}
