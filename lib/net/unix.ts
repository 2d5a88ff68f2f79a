/**
 * Unix-domain sockets as {@link Conn}: the emperor's owner-only admin socket and its
 * local clients (`emperor exec`, `emperor logs`).
 *
 * @module
 */
import { chmodSync, lstatSync, mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Conn, Listener, SocketState } from "./types.ts";
import { SocketConn } from "./socket_conn.ts";
import { socketEvents } from "./socket_events.ts";
import { errCode } from "../errors.ts";

/**
 * Listens on a Unix socket at `path` that only this user can open: its folder is made
 * 0700 before binding (so there is no moment when others could connect) and the socket
 * itself 0600. A stale socket file left by a killed process is replaced.
 *
 * @throws {Error} "cannot listen on PATH: REASON"
 * @example
 * ```ts
 * const l = listenUnix("/var/lib/emperor/run/admin.sock", (c) => c.onData((b) => c.write(b)));
 * ```
 */
export function listenUnix(path: string, onConn: (c: Conn) => void): Listener {
  let server;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // A folder someone else made (or a link to one) could let them swap the socket.
    const dir = lstatSync(dirname(path));
    if (!dir.isDirectory() || dir.uid !== process.getuid?.()) throw new Error(`${dirname(path)} is not a folder of this user`);
    chmodSync(dirname(path), 0o700);
    rmSync(path, { force: true });
    server = Bun.listen<SocketState>({
      unix: path,
      data: {},
      socket: {
        ...socketEvents,
        open(socket) {
          socket.data = {};
          const conn = new SocketConn(socket, { authorized: false, peerNames: [] });
          socket.data.conn = conn;
          onConn(conn);
        },
      },
    });
    chmodSync(path, 0o600);
  } catch (e) {
    throw new Error(`cannot listen on ${path}: ${errCode(e)}`, { cause: e });
  }
  const bound = server;
  return {
    host: path,
    port: 0,
    handshaking: 0,
    handshakes: { done: 0, refused: 0, abandoned: 0, timedOut: 0 },
    close(opts) {
      bound.stop(!opts?.keepConnections);
      rmSync(path, { force: true });
    },
  };
}

/**
 * Connects to the Unix socket at `path`.
 *
 * @throws {Error} "cannot connect to PATH: ENOENT" (and the like)
 * @example
 * ```ts
 * const conn = await dialUnix("/var/lib/emperor/run/admin.sock");
 * ```
 */
export function dialUnix(path: string): Promise<Conn> {
  return new Promise<Conn>((resolve, reject) => {
    const state: SocketState = {
      beforeReady: (err) => reject(new Error(`cannot connect to ${path}: ${err?.message ?? "closed"}`, { cause: err })),
    };
    Bun.connect<SocketState>({
      unix: path,
      data: state,
      socket: {
        ...socketEvents,
        open(socket) {
          const conn = new SocketConn(socket, { authorized: false, peerNames: [] });
          socket.data.conn = conn;
          resolve(conn);
        },
        connectError(_socket, err) {
          reject(new Error(`cannot connect to ${path}: ${errCode(err)}`, { cause: err }));
        },
      },
    }).catch((err: unknown) => reject(new Error(`cannot connect to ${path}: ${errCode(err)}`, { cause: err })));
  });
}
