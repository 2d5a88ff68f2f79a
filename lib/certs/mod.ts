/**
 * The `certs` command of zog and zeus: a small CA for the ring's and the fleet's mutual TLS
 * (`certs init`, `certs issue`). Only the light entry points are here: the certificate code
 * (@peculiar/x509 and its reflect-metadata polyfill) is loaded by {@link runCerts} when a
 * `certs` command runs, so no other command pays for it.
 *
 * @example
 * ```ts
 * import { defineCertsCommands, runCerts } from "./mod.ts";
 * defineCertsCommands("zog");
 * process.exitCode = await runCerts(["init", "/etc/zog/tls"]);
 * ```
 *
 * @module
 */
export { defineCertsCommands } from "./certs_defs.ts";
export { certProblemLines, checkCertFiles, runCerts } from "./certs_entry.ts";
