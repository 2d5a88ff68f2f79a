/**
 * One connection of the emperor's link to zeus, from the dial to its close: reads zeus's
 * packets through the one read loop (net/readPackets), handles them in order in slices so a
 * burst of placements does not starve the heartbeat timer, and carries the exec and logs
 * streams zeus relays, which live as long as it does.
 *
 * @module
 */
import { decodeAdminFrame, encodeAdminFrame, isAdminType } from "../admin/mod.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import { ProtocolError } from "../errors.ts";
import type { ExecChannel, ExecEndpoint } from "../exec/mod.ts";
import { getLogger } from "../log/mod.ts";
import { type Conn, type PacketReader, type ReadFailure, readPackets } from "../net/mod.ts";
import { encodePacket, type Packet, ZEUS_MODIFIER1 } from "../packet/mod.ts";
import { decodeMessage, encodeMessage, messageTerm, type ZeusMessage } from "../zeus_protocol/mod.ts";

const log = getLogger("emperor", "zeus");

/** How long messages from zeus are handled before the event loop gets a turn (timers, I/O). */
const SLICE_MS = 20;

/** What a connection tells its link. */
export interface LinkConnHandlers {
  /** Whether its packets are still handled (the link has not given up on it). */
  live(): boolean;
  /** A zeus message, in order. */
  /** `term`: the leadership term the message carries, if any. */
  message(m: ZeusMessage, term: number | undefined): void;
  /** Bytes arrived: zeus is not silent. */
  heard(): void;
  /** It has lasted long enough to count as a connection (a refused certificate closes at once). */
  lasted(): void;
  /** The read loop failed (zeus's bad input, or our own bug): it is closing. */
  failed(f: ReadFailure): void;
  /** It closed; `heard`: zeus sent bytes on it (a refused certificate closes before any). */
  closed(err: Error | undefined, heard: boolean): void;
}

/**
 * One connection to zeus.
 *
 * @example
 * ```ts
 * declare const handlers: LinkConnHandlers;
 * const c = new ZeusLinkConn(await dial({ host: "10.0.0.1", port: 4040 }), { clock: systemClock }, handlers);
 * c.send({ type: "I_AM_ALIVE", node: "n1", maxVassals: 10, runningVassals: 0 });
 * ```
 */
export class ZeusLinkConn {
  readonly #reader: PacketReader;
  readonly #inbox: Packet[] = [];
  #next = 0;
  #draining = false;
  #heard = false;
  readonly #streams: ExecChannel | undefined;
  readonly #announce: TimerHandle;

  /**
   * @param conn the dialled connection
   * @param opts the clock, and where relayed exec and logs streams go (without it they are a protocol error)
   * @param handlers what the link hears
   */
  constructor(
    readonly conn: Conn,
    readonly opts: { clock: Clock; exec?: ExecEndpoint | undefined },
    readonly handlers: LinkConnHandlers,
  ) {
    // Streams (exec, logs) live as long as this connection: a lost link kills their commands.
    this.#streams = opts.exec?.channel((f) => conn.write(encodePacket(encodeAdminFrame(f))), "zeus");
    this.#announce = opts.clock.setTimeout(() => handlers.lasted(), 500);
    this.#reader = readPackets(conn, {
      decoder: { modifier1: ZEUS_MODIFIER1, family: "Zeus" },
      what: "zeus",
      log,
      onPacket: (p) => void this.#inbox.push(p),
      onChunk: () => this.#received(),
      live: () => handlers.live(),
      answer: (reason) => encodePacket(encodeMessage({ type: "ERROR", reason })),
      onFailure: (f) => handlers.failed(f),
    });
    conn.onClose((err) => {
      opts.clock.clearTimeout(this.#announce);
      this.#streams?.close();
      handlers.closed(err, this.#heard);
    });
  }

  /** Sends a zeus message. */
  send(m: ZeusMessage): void {
    this.conn.write(encodePacket(encodeMessage(m)));
  }

  close(): void {
    this.conn.close();
  }

  #received(): void {
    this.#heard = true;
    this.handlers.heard();
    if (this.#draining) return;
    this.#draining = true;
    this.#drain();
  }

  /**
   * Handles the inbox in order, in slices of at most SLICE_MS: a burst of placements (each
   * one spawns a process) must not hold up the heartbeat timer until it is done.
   */
  #drain(): void {
    const until = performance.now() + SLICE_MS;
    try {
      while (this.#next < this.#inbox.length && this.handlers.live() && !this.#reader.stopped) {
        if (performance.now() > until) return void setImmediate(() => this.#drain());
        this.#handle(this.#inbox[this.#next++]!);
      }
    } catch (e) {
      this.#reader.fail(e);
    }
    this.#inbox.length = this.#next = 0;
    this.#draining = false;
  }

  #handle(p: Packet): void {
    if (!isAdminType(p.modifier2)) return this.handlers.message(decodeMessage(p, "zeus"), messageTerm(p));
    if (!this.#streams) throw new ProtocolError(`admin frame ${p.modifier2}: this emperor takes no streams`);
    this.#streams.frame(decodeAdminFrame(p));
  }
}
