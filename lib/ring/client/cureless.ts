/**
 * Errors that retrying cannot cure, worded for the ring's clients (sprog): the shared
 * {@link tlsMisuse} classifier with the ring's CA and ring.toml as the alternatives. Pure.
 *
 * @module
 */
import { tlsMisuse } from "../../net/mod.ts";

/**
 * What to tell the user when the failure `reason` of a connection to `where` cannot be
 * cured by retrying, or undefined when a retry may help (refused, reset, timed out...).
 *
 * @example
 * ```ts
 * curelessProblem("cannot connect to 127.0.0.11:55552: TLSV1_ALERT_CERTIFICATE_REQUIRED", "127.0.0.11:55552");
 * // "127.0.0.11:55552 requires a client certificate: pass --cert CRT --key KEY ..."
 * ```
 */
export function curelessProblem(reason: string, where: string): string | undefined {
  return tlsMisuse(reason, {
    where,
    peer: "node",
    ca: "the ring's CA",
    certAlternative: ", or --config ring.toml on a ring machine",
    hostAlternative: ", or a node name of ring.toml",
  })?.line;
}
