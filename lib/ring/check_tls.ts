/**
 * `zog --check`: a node's TLS files as start would need them, every problem at once as
 * `FILE:LINE: reason` (the line of the `[tls]` key in ring.toml).
 *
 * @module
 */
import { lineOf, type NodeFiles, type RingNode } from "../config/mod.ts";
import { certProblemLines, checkCertFiles } from "../certs/mod.ts";

/**
 * The errors and warnings of `self`'s TLS files, each as `FILE:LINE: [tls] KEY: reason`.
 *
 * @param file ring.toml's path, and `text` its text, to point at lines
 * @param tls the node's resolved TLS paths
 * @example
 * ```ts
 * declare const text: string, files: NonNullable<NodeFiles["tls"]>, self: RingNode;
 * const { errors } = await tlsProblems("ring.toml", text, files, self, new Date());
 * ```
 */
export async function tlsProblems(
  file: string,
  text: string,
  tls: NonNullable<NodeFiles["tls"]>,
  self: RingNode,
  now: Date,
): Promise<{ errors: string[]; warnings: string[] }> {
  // Peers and clients dial the host, and TLS checks the certificate against it.
  const r = await checkCertFiles(
    tls,
    { names: [self.host], namesFix: ` (peers dial it): issue one with zog certs issue DIR ${self.name} --host ${self.host}` },
    now,
  );
  return certProblemLines(r, (key) => {
    const line = lineOf(text, new RegExp(`^\\s*${key}\\s*=`), 0);
    return `${file}${line ? `:${line}` : ""}: [tls] ${key}: `;
  });
}
