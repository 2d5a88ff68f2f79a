/**
 * The Bun socket handlers shared by listening and dialling sockets: they route socket
 * events to the socket's {@link SocketConn}, or to `beforeReady` while there is none yet.
 *
 * @module
 */
import type { Socket, SocketHandler } from "bun";
import type { SocketState } from "./types.ts";

/**
 * Handlers for data, drain, close and error. A handler that throws (a bug in a data
 * listener) closes that connection with the error, which close listeners receive.
 *
 * @example
 * ```ts
 * Bun.listen<SocketState>({ hostname: host, port, socket: { ...socketEvents, open(s) { s.data = {} } } });
 * ```
 */
export const socketEvents = {
  binaryType: "uint8array",
  data(socket: Socket<SocketState>, chunk: Uint8Array) {
    socket.data.conn?.receive(chunk);
  },
  drain(socket: Socket<SocketState>) {
    socket.data.conn?.drained();
  },
  close(socket: Socket<SocketState>, err?: Error) {
    const state = socket.data;
    const cause = state.error ?? err;
    if (state.conn) state.conn.ended(cause);
    else state.beforeReady?.(cause);
  },
  error(socket: Socket<SocketState>, err: Error) {
    const state = socket.data;
    if (state.conn?.closed) {
      // Thrown by a close listener: there is no connection left to report it on.
      queueMicrotask(() => {
        throw err;
      });
      return;
    }
    state.error ??= err;
    socket.end();
  },
} satisfies SocketHandler<SocketState, "uint8array">;
