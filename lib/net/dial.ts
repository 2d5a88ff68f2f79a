/**
 * Making connections: {@link dial}.
 *
 * @module
 */
import type { Socket } from "bun";
import type { Conn, SocketState } from "./types.ts";
import type { TlsClientFiles } from "./tls_options.ts";
import { peerNames } from "./peer_names.ts";
import { SocketConn } from "./socket_conn.ts";
import { socketEvents } from "./socket_events.ts";
import { clientTlsOptions } from "./tls_options.ts";
import { hostPort } from "./host_port.ts";
import { errCode } from "../errors.ts";

/** Options of {@link dial}. */
export interface DialOptions {
  host: string;
  port: number;
  /** Speak TLS; the server certificate must verify against `tls.ca` and the host dialled. */
  tls?: TlsClientFiles;
  /** Give up when the connection (and TLS handshake) is not done by then (default 10000). */
  timeoutMs?: number;
  /**
   * TLS: once TCP is connected (the other end's host accepted), the handshake may take this
   * long from then on, instead of what is left of `timeoutMs` (a busy server, not an absent one).
   */
  handshakeTimeoutMs?: number;
}

/**
 * A dial given up for want of time (TCP not connected, or the TLS handshake not done, within
 * its `timeoutMs`, or the handshake not done within `handshakeTimeoutMs` of connecting): the
 * other end may be there but busy, unlike a refusal.
 *
 * @example
 * ```ts
 * try {
 *   await dial({ host: "127.0.0.1", port: 4040, timeoutMs: 5000 });
 * } catch (e) {
 *   if (e instanceof DialTimeoutError) console.log("busy or unreachable: wait longer next time");
 * }
 * ```
 */
export class DialTimeoutError extends Error {
  override name = "DialTimeoutError";
}
/**
 * A dial the other end's host refused (ECONNREFUSED: it answered, and nothing listens on
 * that port): the program is not running there, unlike a timeout (a host unreachable or
 * cut off, or a program too busy to accept).
 *
 * @example
 * ```ts
 * try {
 *   await dial({ host: "127.0.0.1", port: 4040 });
 * } catch (e) {
 *   if (e instanceof DialRefusedError) console.log("not running there: it will say when it starts");
 * }
 * ```
 */
export class DialRefusedError extends Error {
  override name = "DialRefusedError";
}

/**
 * Connects over TCP, or TLS with a verified server certificate. Resolves once the
 * connection is usable (after the TLS handshake).
 *
 * @throws {Error} "cannot connect to HOST:PORT: ECONNREFUSED" (a {@link DialRefusedError}), "...: timed out after N ms" (a {@link DialTimeoutError}),
 *   or "...: TLS handshake failed: REASON" (e.g. the certificate does not name HOST)
 * @example
 * ```ts
 * declare const ca: string;
 * const conn = await dial({ host: "127.0.0.1", port: 4040, tls: { ca }, timeoutMs: 2000 });
 * conn.write(new TextEncoder().encode("hello"));
 * ```
 */
export function dial(opts: DialOptions): Promise<Conn> {
  const where = hostPort(opts.host, opts.port);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const tls = opts.tls;
  return new Promise<Conn>((resolve, reject) => {
    let settled = false;
    let socketRef: Socket<SocketState> | undefined;
    const fail = (reason: string, timedOut = false, refused = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socketRef?.terminate();
      const message = `cannot connect to ${where}: ${reason}`;
      reject(timedOut ? new DialTimeoutError(message) : refused ? new DialRefusedError(message) : new Error(message));
    };
    const ready = (socket: Socket<SocketState>, authorized: boolean): void => {
      if (settled) return socket.terminate();
      settled = true;
      clearTimeout(timer);
      const names = authorized ? peerNames(socket.getPeerCertificate()) : [];
      const conn = new SocketConn(socket, { authorized, peerNames: names });
      socket.data.conn = conn;
      resolve(conn);
    };
    let timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`, true), timeoutMs);
    const handshakeMs = opts.handshakeTimeoutMs;
    const state: SocketState = { beforeReady: (err) => fail(`closed before ready${err ? `: ${err.message}` : ""}`) };
    Bun.connect<SocketState>({
      hostname: opts.host,
      port: opts.port,
      data: state,
      ...(tls ? { tls: clientTlsOptions(tls) } : {}),
      socket: {
        ...socketEvents,
        open(socket) {
          socketRef = socket;
          if (settled) socket.terminate();
          else if (!tls) ready(socket, false);
          else if (handshakeMs !== undefined) {
            clearTimeout(timer);
            timer = setTimeout(() => fail(`TLS handshake not done ${handshakeMs} ms after connecting`, true), handshakeMs);
          }
        },
        handshake(socket, success, authError) {
          if (!success || !socket.authorized) {
            fail(`TLS handshake failed: ${authError?.message ?? socket.getAuthorizationError()?.message ?? "server not verified"}`);
          } else {
            ready(socket, true);
          }
        },
        connectError(_socket, err) {
          const code = errCode(err);
          fail(code, false, code === "ECONNREFUSED");
        },
      },
    }).catch(() => {
      // Reported through connectError; this only keeps the rejection from going unhandled.
    });
  });
}
