/**
 * Bun TLS options from our TLS file sets. The only place that knows Bun's option names.
 *
 * @module
 */
import type { TLSOptions } from "bun";
import type { TlsClientFiles, TlsServerFiles } from "../tls/files.ts";

/**
 * Server options. Client auth "required" sets `requestCert` and `rejectUnauthorized`;
 * "optional" requests a certificate but admits a client without a valid one (the
 * connection is then marked unauthorized). The caller must still check `authorized`
 * after the handshake.
 *
 * @example
 * ```ts
 * Bun.listen({ hostname: "127.0.0.1", port: 0, tls: serverTlsOptions(files), socket: handlers });
 * ```
 */
export function serverTlsOptions(files: TlsServerFiles): TLSOptions {
  const opts: TLSOptions = { cert: files.cert, key: files.key };
  if (files.clientAuth !== "none") {
    opts.ca = files.ca;
    opts.requestCert = true;
    opts.rejectUnauthorized = files.clientAuth === "required";
  }
  return opts;
}

/**
 * Client options: the server certificate is always verified, against `ca` (or the system
 * CAs) and against `serverName` or else the host dialled.
 *
 * @example
 * ```ts
 * Bun.connect({ hostname: "127.0.0.1", port, tls: clientTlsOptions({ ca }), socket: handlers });
 * ```
 */
export function clientTlsOptions(files: TlsClientFiles): TLSOptions {
  const opts: TLSOptions = { rejectUnauthorized: true };
  if (files.ca !== undefined) opts.ca = files.ca;
  if (files.cert !== undefined) opts.cert = files.cert;
  if (files.key !== undefined) opts.key = files.key;
  if (files.serverName !== undefined) opts.serverName = files.serverName;
  return opts;
}
