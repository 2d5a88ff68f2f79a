/**
 * A node's TLS files as start would need them, every problem at once as `FILE:LINE:
 * reason` (the line of the `[tls]` key in ring.toml): `zog --check` lists them, and a start
 * that fails on its TLS files says them all instead of the first failure alone.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { lineOf, type NodeFiles, type RingConfig, type RingNode } from "../config/mod.ts";
import { checkCertFiles } from "../certs/mod.ts";
import { ConfigError, ConfigErrors } from "../errors.ts";

/**
 * The errors and warnings of `self`'s TLS files, each a {@link ConfigError} at the line of
 * its `[tls]` key: `FILE:LINE: [tls] KEY: reason`.
 *
 * @param file ring.toml's path, and `text` its text, to point at lines
 * @param tls the node's resolved TLS paths
 * @example
 * ```ts
 * declare const text: string, files: NonNullable<NodeFiles["tls"]>, self: RingNode;
 * const { errors } = await tlsProblems("ring.toml", text, files, self, new Date());
 * for (const e of errors) console.error(e.message);
 * ```
 */
export async function tlsProblems(
  file: string,
  text: string,
  tls: NonNullable<NodeFiles["tls"]>,
  self: RingNode,
  now: Date,
): Promise<{ errors: ConfigError[]; warnings: ConfigError[] }> {
  // Peers and clients dial the host, and TLS checks the certificate against it.
  const r = await checkCertFiles(
    tls,
    { names: [self.host], namesFix: ` (peers dial it): issue one with zog certs issue DIR ${self.name} --host ${self.host}` },
    now,
  );
  const at = (p: { key: string; reason: string }) =>
    new ConfigError(file, `[tls] ${p.key}: ${p.reason}`, lineOf(text, new RegExp(`^\\s*${p.key}\\s*=`), 0));
  return { errors: r.errors.map(at), warnings: r.warnings.map(at) };
}

/** What a failure to read or use TLS files says (a PEM that cannot be read, a key that is not the certificate's). */
const TLS_FILE_FAILURE = /cannot read TLS|ERR_OSSL|PEM/;

/**
 * The error a start that failed with `cause` reports: when it failed on its TLS files, every
 * problem of them that `--check` finds (as one {@link ConfigError}, or {@link ConfigErrors});
 * else `cause` itself.
 *
 * @example
 * ```ts
 * declare const config: RingConfig, tls: NonNullable<NodeFiles["tls"]>, self: RingNode, start: () => Promise<void>;
 * try { await start() } catch (e) { throw await tlsStartError(e, config, tls, self) }
 * ```
 */
export async function tlsStartError(cause: unknown, config: RingConfig, tls: NodeFiles["tls"], self: RingNode): Promise<unknown> {
  if (!tls || !TLS_FILE_FAILURE.test((cause as Error)?.message ?? "")) return cause;
  const { errors } = await tlsProblems(config.file, readFileSync(config.file, "utf8"), tls, self, new Date());
  if (errors.length === 0) return cause;
  for (const e of errors) e.cause = cause;
  return errors.length === 1 ? errors[0] : new ConfigErrors(errors);
}
