/**
 * The one packet read loop: a connection's bytes, in any chunking, through a
 * {@link PacketDecoder} to a handler, and the line between the peer's bad input and the
 * daemon's own bugs.
 *
 * - Bad input: malformed bytes ({@link PacketError}, from the decoder or the handler) or a
 *   well-framed packet that breaks the protocol ({@link ProtocolError}). Logged as a warning
 *   on one line, answered with the reason (when the caller says how), and that connection
 *   is closed.
 * - The daemon's own bug: any other exception from the handler. Logged as an internal error
 *   with its stack, never told to the peer as if it were its fault; the connection is closed
 *   all the same, as what the handler left half done cannot be trusted.
 *
 * - A TLS record (an alert or a handshake) as the first bytes, where the expected family's
 *   packet was due: the peer speaks TLS and this end does not (or the reverse). Not the
 *   peer's fault nor a bug: logged at debug level only, the reason is
 *   {@link TLS_RECORD_REASON}, which `tlsMisuse` turns into the one line naming the fix.
 *
 * Either way the reader stops: bytes that arrive after it are dropped.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { PacketError, ProtocolError } from "../errors.ts";
import { clipInput } from "../log/mod.ts";
import { type Packet, PacketDecoder, type PacketDecoderOptions } from "../packet/mod.ts";
import type { Conn } from "./types.ts";
import { looksLikeTls, TLS_RECORD_REASON } from "./tls_misuse.ts";

/** Why a {@link PacketReader} stopped: the peer's bad input, or the daemon's own bug. */
export interface ReadFailure {
  kind: "bad-input" | "internal" | "tls";
  /** One line: the error's message. */
  reason: string;
  error: Error;
}

/** Options of {@link readPackets}. */
export interface ReadPacketsOptions {
  /** The decoder's payload limit and expected protocol family. */
  decoder: PacketDecoderOptions;
  /** Who is at the other end, for log lines: "client", "peer", "admin client". */
  what: string;
  /** Where bad input (warning) and internal errors (error, with the stack) are logged. */
  log: Logger;
  /**
   * Handles one packet. Throw {@link PacketError} or {@link ProtocolError} for bad input;
   * anything else it throws is taken for a bug of this program.
   */
  onPacket(p: Packet): void;
  /** The bytes that tell the peer why it is closed (e.g. an ERROR packet); without it, closed in silence. */
  answer?(reason: string): Uint8Array;
  /** Called after each chunk is handled, with whether a packet is left incomplete. */
  onChunk?(partial: boolean): void;
  /** While false, bytes are dropped (the connection is no longer this reader's). Default: open. */
  live?(): boolean;
  /** Hears of the failure before the connection closes, e.g. to fail requests in progress. */
  onFailure?(failure: ReadFailure): void;
  /**
   * Bytes already read off the connection (e.g. to tell a wire form by its first byte):
   * decoded before any that arrive later, on the next microtask.
   */
  first?: Uint8Array;
}

/** Whether an error is the peer's bad input rather than this program's bug. */
function isBadInput(e: unknown): e is PacketError | ProtocolError {
  return e instanceof PacketError || e instanceof ProtocolError;
}

/**
 * A running read loop on one connection (made by {@link readPackets}).
 *
 * @example
 * ```ts
 * const inbox: Packet[] = [];
 * const reader = readPackets(conn, { decoder: {}, what: "client", log, onPacket: (p) => void inbox.push(p) });
 * setImmediate(() => { try { inbox.splice(0).forEach((p) => console.log(p.modifier2)) } catch (e) { reader.fail(e) } });
 * ```
 */
export class PacketReader {
  #decoder: PacketDecoder;
  #stopped = false;
  #heard = false;

  /**
   * @param conn the connection to read
   * @param opts the handler and what to do on failure
   */
  constructor(
    readonly conn: Conn,
    readonly opts: ReadPacketsOptions,
  ) {
    this.#decoder = new PacketDecoder(opts.decoder);
    // Queued before onData: bytes the connection buffered meanwhile come on a later microtask.
    const first = opts.first;
    if (first) queueMicrotask(() => this.#receive(first));
    conn.onData((chunk) => this.#receive(chunk));
  }

  /** Bytes received but not yet part of a whole packet. */
  get buffered(): number {
    return this.#decoder.buffered;
  }

  /** Whether the reader stopped (on a failure, or by {@link stop}). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Stops reading: the packets left in the chunk being read, and bytes that arrive later,
   * are dropped. For a handler that closes the connection (a refusal): `Conn.closed` turns
   * true only once the close completes.
   */
  stop(): void {
    this.#stopped = true;
  }

  /**
   * Stops on `e` as the loop itself would: bad input is logged, answered and closes the
   * connection; any other error is logged as an internal error and closes it. For callers
   * that handle packets later than they arrive. Ignored once stopped.
   */
  fail(e: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const error = e instanceof Error ? e : new Error(String(e));
    const { conn, opts } = this;
    // Bounded: a message may quote what the peer sent, and goes to the log and back to the peer.
    const failure: ReadFailure = { kind: isBadInput(e) ? "bad-input" : "internal", reason: clipInput(error.message, 4096), error };
    if (failure.kind === "bad-input") {
      opts.log.warn("closing {what} connection from {remote}: {reason}", { what: opts.what, remote: conn.remote, reason: failure.reason });
      // Best effort: a peer that still reads learns why.
      if (opts.answer) conn.write(opts.answer(failure.reason));
    } else {
      opts.log.error("internal error handling a packet from {what} {remote}: {error}; closing that connection", {
        what: opts.what,
        remote: conn.remote,
        error: error.stack ?? failure.reason,
      });
    }
    opts.onFailure?.(failure);
    conn.close();
  }

  #live(): boolean {
    return !this.#stopped && !this.conn.closed && (this.opts.live?.() ?? true);
  }

  /** Whether `chunk`, the first bytes heard, is a TLS record where a packet of another family was due. */
  #tlsFirst(chunk: Uint8Array): boolean {
    if (this.#heard || chunk.length === 0) return false;
    this.#heard = true;
    const want = this.opts.decoder.modifier1;
    return want !== undefined && want !== chunk[0] && looksLikeTls(chunk);
  }

  #failTls(): void {
    this.#stopped = true;
    const { conn, opts } = this;
    opts.log.debug("closing {what} connection from {remote}: {reason}", {
      what: opts.what,
      remote: conn.remote,
      reason: TLS_RECORD_REASON,
    });
    opts.onFailure?.({ kind: "tls", reason: TLS_RECORD_REASON, error: new Error(TLS_RECORD_REASON) });
    conn.close();
  }

  #receive(chunk: Uint8Array): void {
    if (!this.#live()) return;
    if (this.#tlsFirst(chunk)) return this.#failTls();
    try {
      for (const p of this.#decoder.push(chunk)) {
        this.opts.onPacket(p);
        if (!this.#live()) return;
      }
      this.opts.onChunk?.(this.#decoder.buffered > 0);
    } catch (e) {
      this.fail(e);
    }
  }
}

/**
 * Reads `conn`'s packets to `opts.onPacket` until the connection closes or the reader
 * fails (see the module doc for bad input versus internal errors).
 *
 * @param conn the connection to read (its `onData` receiver is taken)
 * @param opts the decoder's limits, the handler, the answer to bad input
 * @returns the reader, whose `fail` reports errors of packets handled later
 * @example
 * ```ts
 * import { RING_MODIFIER1 } from "../packet/mod.ts";
 * readPackets(conn, {
 *   decoder: { modifier1: RING_MODIFIER1, family: "ring" },
 *   what: "client",
 *   log,
 *   onPacket: (p) => console.log(p.modifier2),
 *   answer: (reason) => ringBytes(RingType.ERROR, { reason }),
 * });
 * ```
 */
export function readPackets(conn: Conn, opts: ReadPacketsOptions): PacketReader {
  return new PacketReader(conn, opts);
}
