/**
 * The transport every daemon uses: TCP or TLS connections as {@link Conn}, made by
 * {@link listen} and {@link dial} over Bun.listen / Bun.connect, and the reconnect backoff.
 *
 * @example
 * ```ts
 * import { dial, listen } from "./mod.ts";
 * const server = await listen({ host: "127.0.0.1", port: 0, onConn: (c) => c.onData((b) => c.write(b)) });
 * const conn = await dial({ host: "127.0.0.1", port: server.port });
 * conn.onData((b) => console.log(new TextDecoder().decode(b)));
 * conn.write(new TextEncoder().encode("echo"));
 * ```
 *
 * @module
 */
export type { Conn, HandshakeCounts, Listener } from "./types.ts";
export { listen, type ListenOptions } from "./listen.ts";
export { dial, type DialOptions, DialRefusedError, DialTimeoutError } from "./dial.ts";
export { type BackoffPolicy, backoffMs } from "./backoff.ts";
export { hostPort } from "./host_port.ts";
export { PacketReader, readPackets, type ReadFailure, type ReadPacketsOptions } from "./packet_reader.ts";
export type { ClientAuth, TlsClientFiles, TlsServerFiles } from "./tls_options.ts";
export { canonicalName, peerNames } from "./peer_names.ts";
export { isIP } from "./ip.ts";
export { ConnGuard, type GuardLimits } from "./conn_guard.ts";
export { defaultMaxClients, fdsLeft, fetchIsSafe, openFileLimit, startHttpClient } from "./fd_budget.ts";
export { MAX_STRANGERS, STRANGER_MS, Strangers, type StrangersOptions } from "./strangers.ts";
export { dialUnix, listenUnix } from "./unix.ts";
export {
  looksLikeTls,
  TLS_CLOSED_REASON,
  TLS_RECORD_REASON,
  type TlsMisuse,
  type TlsMisuseContext,
  type TlsMisuseKind,
  tlsMisuse,
} from "./tls_misuse.ts";
