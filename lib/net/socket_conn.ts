/**
 * {@link Conn} over a Bun socket. The handlers in socket_events.ts feed it through
 * {@link SocketConn.receive}, {@link SocketConn.drained} and {@link SocketConn.ended}.
 *
 * @module
 */
import type { Socket } from "bun";
import type { Conn, SocketSink, SocketState } from "./types.ts";
import { hostPort } from "./host_port.ts";
import { WriteCoalescer } from "./write_coalescer.ts";

// A peer that stops reading must not keep a closing connection (and its memory) forever.
const CLOSE_GRACE_MS = 10_000;

/**
 * A connection over an established Bun socket (TLS handshake done and checked).
 *
 * @example
 * ```ts
 * import type { Socket } from "bun";
 * declare const socket: Socket<SocketState>;
 * socket.data.conn = new SocketConn(socket, { authorized: socket.authorized, peerNames: [] });
 * ```
 */
export class SocketConn implements Conn, SocketSink {
  readonly remote: string;
  readonly peerNames: string[];
  readonly authorized: boolean;
  #socket: Socket<SocketState>;
  #writer: WriteCoalescer;
  #dataCb: ((chunk: Uint8Array) => void) | null = null;
  #early: Uint8Array[] = [];
  #closeCbs: ((err?: Error) => void)[] = [];
  #drainCbs: (() => void)[] = [];
  #closing = false;
  #closed = false;
  #closeErr: Error | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(socket: Socket<SocketState>, info: { authorized: boolean; peerNames: string[] }) {
    this.#socket = socket;
    this.authorized = info.authorized;
    this.peerNames = info.peerNames;
    this.remote = hostPort(socket.remoteAddress ?? "local", socket.remotePort);
    this.#writer = new WriteCoalescer((b) => socket.write(b));
    this.#writer.onIdle = () => {
      if (this.#closing) this.#socket.end();
      for (const cb of this.#drainCbs) cb();
    };
  }

  get bufferedBytes(): number {
    return this.#writer.bufferedBytes;
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(bytes: Uint8Array): void {
    if (!this.#closing && !this.#closed) this.#writer.write(bytes);
  }

  flush(): void {
    if (!this.#closed) this.#writer.flush();
  }

  onData(cb: (chunk: Uint8Array) => void): void {
    const first = this.#dataCb === null;
    this.#dataCb = cb;
    if (first && this.#early.length > 0) queueMicrotask(() => this.#flushEarly());
  }

  onClose(cb: (err?: Error) => void): void {
    if (this.#closed) queueMicrotask(() => cb(this.#closeErr));
    else this.#closeCbs.push(cb);
  }

  onDrain(cb: () => void): void {
    this.#drainCbs.push(cb);
  }

  close(): void {
    if (this.#closing || this.#closed) return;
    this.#closing = true;
    this.#writer.flush();
    // A peer that never closes its side (stopped, cut off) must not keep the connection
    // open: whatever is still unsent or unanswered after the grace, it is ended hard.
    if (this.#writer.bufferedBytes === 0) this.#socket.end();
    this.#graceTimer = setTimeout(() => this.#socket.terminate(), CLOSE_GRACE_MS);
    this.#graceTimer.unref?.();
  }

  /** Handler side: bytes arrived. Bun reuses its read buffer, so they are copied. */
  receive(chunk: Uint8Array): void {
    const own = new Uint8Array(chunk);
    if (this.#dataCb === null || this.#early.length > 0) this.#early.push(own);
    else this.#dataCb(own);
  }

  /** Handler side: the socket can take more bytes. */
  drained(): void {
    this.#writer.drain();
  }

  /** Handler side: the socket closed. Calls each close listener once. */
  ended(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeErr = err;
    clearTimeout(this.#graceTimer);
    this.#flushEarly();
    const cbs = this.#closeCbs;
    this.#closeCbs = [];
    for (const cb of cbs) cb(err);
  }

  #flushEarly(): void {
    const cb = this.#dataCb;
    if (cb === null) return;
    const chunks = this.#early;
    this.#early = [];
    for (const c of chunks) cb(c);
  }
}
