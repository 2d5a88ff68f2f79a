/**
 * Errors that retrying cannot cure: the node wants a client certificate, its certificate
 * is not from a CA we trust, it does not take ours, or a host name that does not resolve.
 * sprog ends at once on them (exit 2) with what to pass, instead of retrying until its
 * timeout. Pure.
 *
 * @module
 */

const RULES: [RegExp, (where: string) => string][] = [
  [
    /CERTIFICATE_REQUIRED|certificate required/i,
    (w) =>
      `${w} requires a client certificate: pass --cert CRT --key KEY (signed by the ring's CA), or --config ring.toml on a ring machine`,
  ],
  [
    /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|UNABLE_TO_GET_ISSUER|local issuer|SELF_SIGNED|self[- ]signed|CERT_SIGNATURE_FAILURE/i,
    (w) => `the certificate of ${w} is not signed by a CA we trust: pass --ca CA (the ring's CA)`,
  ],
  [
    /ALERT_UNKNOWN_CA|ALERT_BAD_CERTIFICATE|unknown ca|bad certificate/i,
    (w) => `${w} does not accept our certificate: pass --cert CRT --key KEY signed by the ring's CA`,
  ],
  [
    /ALTNAME|does not name|Hostname\/IP does not match/i,
    (w) => `the certificate of ${w} does not name it: pass the host its certificate names`,
  ],
  [/ENOTFOUND/, (w) => `cannot resolve the host of ${w}: pass an address, HOST:PORT or a node name of ring.toml`],
];

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
  for (const [re, say] of RULES) if (re.test(reason)) return say(where);
  return undefined;
}
