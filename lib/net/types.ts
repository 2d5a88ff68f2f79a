/**
 * The transport's contract: a {@link Conn} (ordering, close, backpressure) and a
 * {@link Listener}, and the per-socket state the Bun handlers share. Types only, so every
 * file of lib/net can import it without a circle.
 *
 * @module
 */

/** One established connection: plain, or TLS after a completed, checked handshake. */
export interface Conn {
  /**
   * Queues bytes to send. Frames written in the same tick go out in one socket write
   * (sooner past 32 KiB); what the socket cannot take yet waits for it to drain. The
   * connection keeps a reference: do not modify `bytes` afterwards. Ignored once closing.
   */
  write(bytes: Uint8Array): void;
  /** Bytes written but not yet taken by the socket; compare it to a limit for backpressure. */
  readonly bufferedBytes: number;
  /**
   * Sets the receiver of incoming bytes (one receiver; a later call replaces it). Bytes
   * that arrived before the first call are delivered to it, in order, on the next microtask.
   */
  onData(cb: (chunk: Uint8Array) => void): void;
  /**
   * Adds a close listener. Each listener is called exactly once, with the error that
   * closed the connection if any; registered after the close, it is called on the next
   * microtask.
   */
  onClose(cb: (err?: Error) => void): void;
  /**
   * Hands what is queued to the socket now rather than at the end of the tick (bytes the
   * socket cannot take yet still wait for it to drain). For callers whose next step must
   * come after the bytes left, e.g. the ring logs a message only after forwarding it.
   */
  flush(): void;
  /** Adds a listener called each time `bufferedBytes` falls back to 0 after the socket was full. */
  onDrain(cb: () => void): void;
  /** Sends what is queued, then closes; within 10 s, ended hard if the peer has not closed its side (or taken the bytes) by then. */
  close(): void;
  /** Whether the connection has closed (close listeners have been or are being called). */
  readonly closed: boolean;
  /** The peer's address, "ip:port" ("[ip6]:port" for IPv6). */
  readonly remote: string;
  /** CN and SAN DNS/IP names of the peer's verified certificate; empty when none. */
  readonly peerNames: string[];
  /** Whether the peer presented a certificate that verified against our CA. */
  readonly authorized: boolean;
}

/** A listening socket made by {@link listen}. */
export interface Listener {
  /** The bound host. */
  readonly host: string;
  /** The bound port (the one the OS chose when listening on port 0). */
  readonly port: number;
  /** TLS handshakes begun and not yet ended (0 without TLS): clients not handed to `onConn` yet. */
  readonly handshaking: number;
  /** How the TLS handshakes ended so far (all 0 without TLS). */
  readonly handshakes: HandshakeCounts;
  /** Stops accepting and, unless `keepConnections`, closes every open connection. */
  close(opts?: { keepConnections?: boolean }): void;
}

/** How a listener's TLS handshakes ended, so far. */
export interface HandshakeCounts {
  /** Done, the client admitted. */
  done: number;
  /** Failed (no or a bad client certificate, not TLS). */
  refused: number;
  /** The client closed first: it gave up (its work, if begun, was lost). */
  abandoned: number;
  /** Not done within the listener's handshake timeout. */
  timedOut: number;
}

/** What the Bun socket handlers call on an established connection (a `SocketConn`). */
export interface SocketSink {
  receive(chunk: Uint8Array): void;
  drained(): void;
  ended(err?: Error): void;
  readonly closed: boolean;
}

/** Per-socket state shared by the Bun handlers. */
export interface SocketState {
  conn?: SocketSink;
  /** The peer's "ip:port", taken when the socket opened (Bun forgets it once a handshake failed). */
  remote?: string;
  /** The first error seen on the socket, reported to close listeners. */
  error?: Error;
  /** Called instead of the connection's close when the socket closes before it is ready. */
  beforeReady?: (err?: Error) => void;
  /** A listener's TLS socket whose handshake has no outcome yet (counted in `Listener.handshaking`). */
  handshaking?: boolean;
}
