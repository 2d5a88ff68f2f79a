/**
 * TLS material from PEM files (in the shapes lib/net takes), the names a certificate must
 * carry, and the `--zeus`/`--emperor` endpoint specs.
 *
 * @example
 * ```ts
 * import { loadClientFiles, parseZeusSpec } from "./mod.ts";
 * const tls = await loadClientFiles({ ca: "/etc/zog/tls/ca.crt" });
 * ```
 *
 * @module
 */
export { type EmperorSpec, type HostPort, parseEmperorSpec, parseHostPort, parseZeusSpec, type ZeusSpec } from "./endpoint.ts";
export {
  type ClientAuth,
  loadClientFiles,
  loadServerFiles,
  type PemKind,
  readPem,
  type TlsClientFiles,
  type TlsServerFiles,
} from "./files.ts";
export { certMatches } from "./names.ts";
