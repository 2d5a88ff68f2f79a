/**
 * The TLS material the transport takes (PEM contents, loaded by lib/tls/files.ts), and the
 * Bun TLS options made from it: the only place that knows Bun's option names.
 *
 * @module
 */
import type { TLSOptions } from "bun";

/** Whether a TLS server asks connecting clients for a certificate, and insists on one. */
export type ClientAuth = "required" | "optional" | "none";

/** What a TLS server needs: PEM contents, not paths. */
export interface TlsServerFiles {
  /** The server certificate chain, PEM. */
  cert: string;
  /** The server private key, PEM. */
  key: string;
  /** The CA(s) that client certificates must chain to, PEM. */
  ca?: string;
  /** "required": refuse clients without a verified cert; "optional": admit them unverified. */
  clientAuth: ClientAuth;
}

/** What a TLS client needs: PEM contents, not paths. All optional. */
export interface TlsClientFiles {
  /** The CA(s) the server certificate must chain to (default: the system CAs). */
  ca?: string;
  /** The client certificate, for servers that ask for one. */
  cert?: string;
  /** The client private key. */
  key?: string;
  /** The name to verify the server certificate against instead of the dialled host. */
  serverName?: string;
}

/**
 * Server options. Client auth "required" sets `requestCert` and `rejectUnauthorized`;
 * "optional" requests a certificate but admits a client without a valid one (the
 * connection is then marked unauthorized). The caller must still check `authorized`
 * after the handshake.
 *
 * @example
 * ```ts
 * import type { SocketHandler } from "bun";
 * declare const tls: TlsServerFiles, handlers: SocketHandler;
 * Bun.listen({ hostname: "127.0.0.1", port: 0, tls: serverTlsOptions(tls), socket: handlers });
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
 * import type { SocketHandler } from "bun";
 * declare const ca: string, handlers: SocketHandler;
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
