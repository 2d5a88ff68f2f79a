/**
 * Listeners: client connections that subscribed to the messages this node logs.
 *
 * @module
 */
import type { Conn } from "../net/mod.ts";
import { getLogger } from "../log/logging.ts";
import { ringBytes, RingType } from "./protocol.ts";
import { messageBytes } from "./entry.ts";

const log = getLogger("zog", "listen");

/** Unsent bytes a listener may fall behind by before it is dropped (documented). */
export const LISTENER_BUFFER = 4 * 1024 * 1024;

interface Listener {
  conn: Conn;
  prefix: string;
}

/**
 * The subscribed connections of one node.
 *
 * @example
 * ```ts
 * const listeners = new Listeners(); listeners.add(conn, "ALERT"); listeners.publish("id-1", "MV", "ALERT disk full");
 * ```
 */
export class Listeners {
  #all = new Set<Listener>();
  /** Listeners dropped for being too slow. */
  dropped = 0;

  get size(): number {
    return this.#all.size;
  }

  /** Subscribes `conn` to messages whose content starts with `prefix`. */
  add(conn: Conn, prefix: string): void {
    const l = { conn, prefix };
    this.#all.add(l);
    conn.onClose(() => this.#all.delete(l));
  }

  /**
   * Streams one logged message to every matching listener. A listener whose unsent bytes
   * pass {@link LISTENER_BUFFER} is told why and dropped: it never holds up the ring.
   */
  publish(id: string, origin: string, content: string): void {
    if (this.#all.size === 0) return;
    let packet: Uint8Array | undefined;
    for (const l of this.#all) {
      if (!content.startsWith(l.prefix)) continue;
      if (l.conn.bufferedBytes > LISTENER_BUFFER) {
        this.#all.delete(l);
        this.dropped++;
        const reason = `listener too slow: more than ${LISTENER_BUFFER} bytes unsent, dropped`;
        log.warn("dropping listener {remote}: {reason}", { remote: l.conn.remote, reason });
        l.conn.write(ringBytes(RingType.ERROR, { reason }));
        l.conn.close();
        continue;
      }
      packet ??= ringBytes(RingType.EVENT, { id, node: origin, msg: messageBytes(content, 0) });
      l.conn.write(packet);
    }
  }
}
