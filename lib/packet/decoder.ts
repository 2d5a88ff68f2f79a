/**
 * Streaming uwsgi packet decoder: bytes in any chunking, whole packets out.
 *
 * @module
 */
import { PacketError } from "../errors.ts";
import { HEADER_SIZE, MAX_PAYLOAD, type Packet } from "./packet.ts";

/** Options for {@link PacketDecoder}. */
export interface PacketDecoderOptions {
  /** Largest payload accepted; a header announcing more is an error. Default 65535. */
  maxPayload?: number;
  /** When set, a packet of another modifier1 (protocol family) is an error. */
  modifier1?: number;
  /** Name of the expected family, for error messages. */
  family?: string;
}

/**
 * Decodes a stream of uwsgi packets. Returned payloads are views into the pushed chunk
 * (or a private buffer): later pushes never overwrite them, but a caller that reuses its
 * chunk buffer must copy the payloads it keeps.
 *
 * @example
 * ```ts
 * const d = new PacketDecoder();
 * conn.onData((chunk) => { for (const p of d.push(chunk)) console.log(p.modifier2); });
 * ```
 */
export class PacketDecoder {
  #pending: Uint8Array = new Uint8Array(0);
  #consumed = 0;
  readonly #maxPayload: number;
  readonly #modifier1: number | undefined;
  readonly #family: string;

  /** @param opts limits and the expected protocol family */
  constructor(opts: PacketDecoderOptions = {}) {
    this.#maxPayload = opts.maxPayload ?? MAX_PAYLOAD;
    this.#modifier1 = opts.modifier1;
    this.#family = opts.family ?? `modifier1 ${opts.modifier1}`;
  }

  /** Bytes received but not yet part of a whole packet. */
  get buffered(): number {
    return this.#pending.byteLength;
  }

  /**
   * Feeds bytes and returns every packet they complete.
   *
   * @throws {PacketError} on a payload over the limit or a packet of the wrong family;
   *   the stream cannot continue after that
   */
  push(chunk: Uint8Array): Packet[] {
    let buf = chunk;
    if (this.#pending.byteLength > 0) {
      buf = new Uint8Array(this.#pending.byteLength + chunk.byteLength);
      buf.set(this.#pending, 0);
      buf.set(chunk, this.#pending.byteLength);
    }
    const packets: Packet[] = [];
    let o = 0;
    while (buf.byteLength - o >= HEADER_SIZE) {
      const modifier1 = buf[o]!;
      const size = buf[o + 1]! | (buf[o + 2]! << 8);
      if (this.#modifier1 !== undefined && modifier1 !== this.#modifier1) {
        throw new PacketError(
          `packet of modifier1 ${modifier1} where the ${this.#family} protocol (modifier1 ${this.#modifier1}) was expected`,
          this.#consumed + o,
        );
      }
      if (size > this.#maxPayload) {
        throw new PacketError(`packet payload of ${size} bytes exceeds the limit of ${this.#maxPayload}`, this.#consumed + o + 1);
      }
      if (buf.byteLength - o < HEADER_SIZE + size) break;
      packets.push({ modifier1, modifier2: buf[o + 3]!, payload: buf.subarray(o + HEADER_SIZE, o + HEADER_SIZE + size) });
      o += HEADER_SIZE + size;
    }
    this.#consumed += o;
    // Copy the tail: the caller may reuse `chunk` once push returns.
    this.#pending = o === buf.byteLength ? new Uint8Array(0) : buf.slice(o);
    return packets;
  }
}
