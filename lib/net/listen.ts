/**
 * Accepting connections: {@link listen}.
 *
 * @module
 */
import type { Socket } from "bun";
import type { Conn, HandshakeCounts, Listener, SocketState } from "./types.ts";
import type { TlsServerFiles } from "./tls_options.ts";
import { peerNames } from "./peer_names.ts";
import { hostPort } from "./host_port.ts";
import { SocketConn } from "./socket_conn.ts";
import { socketEvents } from "./socket_events.ts";
import { serverTlsOptions } from "./tls_options.ts";
import { errCode } from "../errors.ts";

/** Options of {@link listen}. */
export interface ListenOptions {
  /** Address to bind, e.g. "127.0.0.1", "::1", "0.0.0.0". */
  host: string;
  /** Port to bind; 0 lets the OS choose (see {@link Listener.port}). */
  port: number;
  /** Serve TLS with these files; client auth as `tls.clientAuth` says. */
  tls?: TlsServerFiles;
  /** Called with each admitted connection; register `onData` here to see its first bytes. */
  onConn: (c: Conn) => void;
  /** A client that has not finished its TLS handshake by then is dropped (default 10 s). */
  handshakeTimeoutSeconds?: number;
  /** Told about each client dropped at the TLS handshake (to log who and why). */
  onRefused?: (remote: string, reason: string) => void;
}

/** A client that closed before its handshake ended (it gave up waiting), in Bun's words: counted `abandoned`. */
const GAVE_UP = /disconnected before secure TLS connection/;

/** OpenSSL's words for a refused client, with what they mean where they are cryptic. */
function refusalReason(raw: string): string {
  if (/PEER_DID_NOT_RETURN_A_CERTIFICATE/.test(raw)) return "no client certificate (PEER_DID_NOT_RETURN_A_CERTIFICATE)";
  if (/unable to verify the first certificate|unable to get local issuer/.test(raw)) return `${raw} (not signed by our CA)`;
  return raw;
}

/**
 * Listens for TCP or TLS connections. With TLS, a connection is handed to `onConn` only
 * after its handshake; with client auth "required", a client whose certificate did not
 * verify is dropped, whatever the TLS library decided.
 *
 * @throws {Error} "cannot listen on HOST:PORT: EADDRINUSE" (and the like)
 * @example
 * ```ts
 * const l = await listen({ host: "127.0.0.1", port: 0, onConn: (c) => c.onData((b) => c.write(b)) });
 * console.log(`echo server on ${l.host}:${l.port}`);
 * l.close();
 * ```
 */
export async function listen(opts: ListenOptions): Promise<Listener> {
  const tls = opts.tls;
  const handshakeSeconds = opts.handshakeTimeoutSeconds ?? 10;
  let handshaking = 0;
  const figures: HandshakeCounts = { done: 0, refused: 0, abandoned: 0, timedOut: 0 };
  /** The handshake of `socket` has an outcome (done, failed, timed out, closed): counted once. */
  const ended = (socket: Socket<SocketState>, outcome: keyof HandshakeCounts): void => {
    if (!socket.data.handshaking) return;
    handshaking--;
    socket.data.handshaking = false;
    figures[outcome]++;
  };
  const admit = (socket: Socket<SocketState>, authorized: boolean): void => {
    const names = authorized ? peerNames(socket.getPeerCertificate()) : [];
    const conn = new SocketConn(socket, { authorized, peerNames: names });
    socket.data.conn = conn;
    opts.onConn(conn);
  };
  let server;
  try {
    server = Bun.listen<SocketState>({
      hostname: opts.host,
      port: opts.port,
      data: {},
      ...(tls ? { tls: serverTlsOptions(tls) } : {}),
      socket: {
        ...socketEvents,
        open(socket) {
          // Bun shares `data` between a listener's sockets unless each gets its own.
          const remote = hostPort(socket.remoteAddress, socket.remotePort);
          socket.data = { remote };
          if (!tls) return admit(socket, false);
          socket.timeout(handshakeSeconds);
          handshaking++;
          socket.data.handshaking = true;
          // A client that gives up half-way (it does not trust our certificate, or gave up
          // waiting) is a refused handshake too; cleared once the handshake has an outcome.
          socket.data.beforeReady = (err) => {
            ended(socket, "abandoned");
            opts.onRefused?.(remote, `closed during the TLS handshake${err ? `: ${err.message}` : ""}`);
          };
        },
        handshake(socket, success, err) {
          // Ended already (timed out): Bun reports the socket zeus terminated as a failed handshake
          // ("client network socket disconnected"); logged, each timed-out handshake read as two.
          if (!socket.data.handshaking) return;
          socket.timeout(0);
          delete socket.data.beforeReady;
          const verified = tls?.clientAuth !== "none" && socket.authorized;
          const refused = !success || (tls?.clientAuth === "required" && !verified);
          ended(socket, !refused ? "done" : GAVE_UP.test(err?.message ?? "") ? "abandoned" : "refused");
          if (refused) {
            // A failed handshake's own error first: the authorization error alone says
            // "unable to get issuer certificate" for a client that never sent one (a port probe).
            const why = refusalReason(
              (!success ? err?.message : undefined) ??
                socket.getAuthorizationError?.()?.message ??
                (success ? "no client certificate" : "TLS handshake failed"),
            );
            opts.onRefused?.(socket.data.remote!, why);
            socket.terminate();
            return;
          }
          admit(socket, verified);
        },
        timeout(socket) {
          // Bun also calls this for a socket with no timeout set, once it has written nothing for
          // 120 s (its reads do not count): every emperor of a quiet single zeus was dropped.
          if (!socket.data.handshaking) return;
          ended(socket, "timedOut");
          delete socket.data.beforeReady;
          opts.onRefused?.(socket.data.remote!, `TLS handshake not done in ${handshakeSeconds} s`);
          socket.terminate();
        },
      },
    });
  } catch (e) {
    throw new Error(`cannot listen on ${opts.host}:${opts.port}: ${errCode(e)}`, { cause: e });
  }
  const bound = server;
  return {
    host: bound.hostname,
    port: bound.port,
    get handshaking() {
      return handshaking;
    },
    get handshakes() {
      return { ...figures };
    },
    close(closeOpts) {
      bound.stop(!closeOpts?.keepConnections);
    },
  };
}
