/**
 * The etcd flags of `zeus`: `--state etcd://...` (several zeus) and `--vassals etcd://...`
 * (vassals from an etcd prefix), with `--etcd-ca/--etcd-cert/--etcd-key` for both. A bad
 * URL is a usage error (exit 2); an etcd that does not answer or a prefix holding keys zeus
 * did not write is an error (exit 1), found before anything is listened on or written.
 *
 * @module
 */
import { EtcdClient, isEtcdUrl, parseEtcdUrl } from "../etcd/mod.ts";
import { UsageError } from "../errors.ts";
import { type HostPort, loadClientFiles, type TlsClientFiles } from "../tls/mod.ts";
import { etcdVassals } from "./etcd_vassals.ts";
import { checkPrefix, HaLeadership } from "./ha.ts";
import { etcdStore } from "./etcd_state_store.ts";
import type { StateStore } from "./state_store.ts";
import { dirSource, type VassalSource } from "./vassal_source.ts";

/** The etcd TLS flags. */
export interface EtcdFlags {
  "etcd-ca"?: string;
  "etcd-cert"?: string;
  "etcd-key"?: string;
}

async function tlsOf(v: EtcdFlags): Promise<TlsClientFiles | undefined> {
  if (!v["etcd-cert"] !== !v["etcd-key"]) throw new UsageError("--etcd-cert and --etcd-key go together");
  if (!v["etcd-ca"] && !v["etcd-cert"]) return undefined;
  return await loadClientFiles({
    ...(v["etcd-ca"] ? { ca: v["etcd-ca"] } : {}),
    ...(v["etcd-cert"] ? { cert: v["etcd-cert"], key: v["etcd-key"]! } : {}),
  });
}

function parse(flag: string, url: string) {
  try {
    return parseEtcdUrl(url);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * `--state etcd://HOST:PORT/PREFIX`: the guarded state store and the leadership.
 *
 * @throws {UsageError} on a bad URL or TLS flags
 * @throws {Error} when etcd does not answer or the prefix holds foreign keys
 */
export async function etcdState(
  url: string,
  v: EtcdFlags,
  opts: { ttlS: number; listen: HostPort; stats?: string; vassalsUrl?: string },
): Promise<{ store: StateStore; ha: HaLeadership }> {
  const parsed = parse("--state", url);
  const tls = await tlsOf(v);
  const client = new EtcdClient({ endpoints: parsed.endpoints, ...(tls ? { tls } : {}) });
  const vassalsPrefix = opts.vassalsUrl && isEtcdUrl(opts.vassalsUrl) ? `${parse("--vassals", opts.vassalsUrl).prefix}/` : undefined;
  try {
    await checkPrefix(client, parsed.prefix, vassalsPrefix);
  } catch (e) {
    throw new Error(`--state ${url}: ${(e as Error).message}`, { cause: e });
  }
  const ha = new HaLeadership({
    etcd: client,
    prefix: parsed.prefix,
    ttlS: opts.ttlS,
    host: opts.listen.host,
    ...(opts.stats ? { stats: opts.stats } : {}),
  });
  const store = etcdStore(client, parsed.prefix, () => ha.leaderRevision);
  ha.stateWhileLeading(() => store.summary());
  return { store, ha };
}

/**
 * `--vassals DIR` or `--vassals etcd://HOST:PORT/PREFIX/`.
 *
 * @throws {UsageError} on a bad URL or TLS flags
 */
export async function vassalSource(arg: string, v: EtcdFlags): Promise<VassalSource> {
  if (!isEtcdUrl(arg)) return dirSource(arg);
  const parsed = parse("--vassals", arg);
  const tls = await tlsOf(v);
  return etcdVassals(new EtcdClient({ endpoints: parsed.endpoints, ...(tls ? { tls } : {}) }), `${parsed.prefix}/`, arg);
}
