/**
 * The answers a node sends on one accepted connection: OK per message for a DATA, and one
 * OK_BATCH for all the messages of DATA_BATCHes acknowledged in the same tick.
 *
 * @module
 */
import type { Conn } from "../net/mod.ts";
import { okBatchPackets } from "./batch.ts";
import { MAX_RING_PAYLOAD } from "./packet_reader.ts";
import { ringBytes, RingType } from "./protocol.ts";

/**
 * Answers to the DATA of one connection.
 *
 * @example
 * ```ts
 * const answers = new Answers(conn); answers.ok(id, true); // sent in the tick's OK_BATCH
 * ```
 */
export class Answers {
  /** Ids to acknowledge in the next OK_BATCH: one array for the connection's life, emptied by each flush. */
  readonly #ids: string[] = [];
  readonly #flushSoon = () => this.#flush();

  constructor(readonly conn: Conn) {}

  /**
   * Acknowledges `id`: in an OK_BATCH when it came in a DATA_BATCH, else in its own OK.
   * An id the node already held (`held`) always gets its own OK {id, held = 1}.
   */
  ok(id: string, batched: boolean, held = false): void {
    if (held) return this.conn.write(ringBytes(RingType.OK, { id, held: "1" }));
    if (!batched) return this.conn.write(ringBytes(RingType.OK, { id }));
    // The node answers a whole commit in one loop: flushing after it makes one packet of it.
    if (this.#ids.push(id) === 1) queueMicrotask(this.#flushSoon);
  }

  /** Refuses `id` with `reason` (always its own ERROR). */
  error(id: string, reason: string): void {
    this.conn.write(ringBytes(RingType.ERROR, { id, reason }));
  }

  #flush(): void {
    const ids = this.#ids;
    // The packets are built from the ids before they are let go.
    if (!this.conn.closed) for (const p of okBatchPackets(RingType.OK_BATCH, ids, MAX_RING_PAYLOAD)) this.conn.write(p);
    ids.length = 0;
  }
}
