/**
 * A raw pzog connection for tests: sends DATA under ids of the test's choosing and the exact
 * bytes given (bad content included), HELLO as a node, SUBSCRIBE with any vars, and keeps
 * every ERROR reason. Tests that publish as an application does use the library's
 * `RingClient` (lib/ring/client) instead.
 *
 * @module
 */
import { type Conn, dial } from "../../lib/net/mod.ts";
import { encodePacket, PacketDecoder, RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { readRingPacket, RING_PROTO, ringPacket, RingType } from "../../lib/ring/protocol.ts";
import type { TlsClientFiles } from "../../lib/tls/files.ts";

const dec = new TextDecoder();

/** A received EVENT. */
export interface WireEvent {
  id: string;
  node: string;
  msg: string;
}

/** A raw connection to one node's client port (not the library's `RingClient`). */
export class WireClient {
  readonly events: WireEvent[] = [];
  readonly errors: string[] = [];
  #waiting = new Map<string, { resolve: (r: string | undefined) => void }>();
  #acks = 0;
  #hello: ((node: string) => void)[] = [];

  private constructor(readonly conn: Conn) {
    const decoder = new PacketDecoder({ modifier1: RING_MODIFIER1 });
    conn.onData((chunk) => {
      for (const p of decoder.push(chunk)) {
        const m = readRingPacket(p);
        const v = (k: string) => (m.vars[k] ? dec.decode(m.vars[k]) : "");
        if (m.type === RingType.OK || m.type === RingType.ERROR) {
          const reason = m.type === RingType.ERROR ? v("reason") : undefined;
          if (reason !== undefined) this.errors.push(reason);
          const w = this.#waiting.get(v("id"));
          this.#waiting.delete(v("id"));
          w?.resolve(reason);
        } else if (m.type === RingType.EVENT) {
          this.events.push({ id: v("id"), node: v("node"), msg: v("msg") });
        } else if (m.type === RingType.ACK) {
          this.#acks++;
        } else if (m.type === RingType.HELLO) {
          for (const h of this.#hello.splice(0)) h(v("node"));
        }
      }
    });
    conn.onClose(() => {
      for (const w of this.#waiting.values()) w.resolve("connection closed");
      this.#waiting.clear();
    });
  }

  /** Connects to `host:port`. */
  static async connect(host: string, port: number, tls?: TlsClientFiles): Promise<WireClient> {
    return new WireClient(await dial({ host, port, timeoutMs: 3000, ...(tls ? { tls } : {}) }));
  }

  get acks(): number {
    return this.#acks;
  }

  /** Sends DATA and resolves with undefined on OK, or the ERROR reason (or "connection closed"). */
  send(id: string, msg: string | Uint8Array): Promise<string | undefined> {
    return new Promise((resolve) => {
      if (this.conn.closed) return resolve("connection closed");
      this.#waiting.set(id, { resolve });
      this.conn.write(encodePacket(ringPacket(RingType.DATA, { id, msg })));
    });
  }

  /** HELLO (as a client, or claiming to be node `node`); resolves with the name in the answer. */
  hello(node?: string): Promise<string> {
    return new Promise((resolve) => {
      this.#hello.push(resolve);
      this.conn.write(encodePacket(ringPacket(RingType.HELLO, { proto: RING_PROTO, ...(node ? { node } : { client: "test" }) })));
    });
  }

  /** Subscribes to a prefix, or with SUBSCRIBE vars (resolves once the node confirmed, or with why not). */
  subscribe(prefix: string | Record<string, string> = ""): Promise<string | undefined> {
    const vars = typeof prefix === "string" ? (prefix ? { prefix } : {}) : prefix;
    return new Promise((resolve) => {
      this.#waiting.set("subscribe", { resolve });
      this.conn.write(encodePacket(ringPacket(RingType.SUBSCRIBE, vars)));
    });
  }

  keepAlive(): void {
    this.conn.write(encodePacket(ringPacket(RingType.KEEPALIVE)));
  }

  /** Resolves when the connection is closed. */
  closed(): Promise<void> {
    return new Promise((r) => this.conn.onClose(() => r()));
  }

  close(): void {
    this.conn.close();
  }
}

/** What {@link streamMessages} did. */
export interface StreamResult {
  acked: number;
  failed: number;
  retries: number;
}

/**
 * Sends `messages` round-robin over `hosts` with up to `window` in flight, the way a
 * careful client does: a message without OK in `timeoutMs` (or with ERROR, or whose
 * connection closed) is retried, same id, on the next host, up to `attempts` times.
 */
export async function streamMessages(
  hosts: string[],
  port: number,
  messages: { id: string; msg: string }[],
  opts: { window: number; timeoutMs?: number; attempts?: number; sticky?: boolean; onProgress?: (acked: number) => void },
): Promise<StreamResult> {
  const clients = new Map<string, Promise<WireClient | undefined>>();
  const client = (h: string): Promise<WireClient | undefined> => {
    let c = clients.get(h);
    if (!c) {
      c = WireClient.connect(h, port).catch(() => undefined);
      clients.set(h, c);
    }
    return c.then((x) => {
      if (x && !x.conn.closed) return x;
      clients.delete(h);
      return undefined;
    });
  };
  const result: StreamResult = { acked: 0, failed: 0, retries: 0 };
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const m = messages[i]!;
    for (let attempt = 0; attempt < (opts.attempts ?? 20); attempt++) {
      if (attempt > 0) result.retries++;
      const host = hosts[((opts.sticky ? 0 : i) + attempt) % hosts.length]!;
      const c = await client(host);
      if (!c) {
        // The node's port refused or closed: a short pause before the next host, as a careful client does.
        await Bun.sleep(50);
        continue;
      }
      // The client's own timeout (what the stream tolerates), not a wait for a condition.
      const reply = await Promise.race([c.send(m.id, m.msg), Bun.sleep(opts.timeoutMs ?? 3000).then(() => "timeout")]);
      if (reply === undefined) {
        result.acked++;
        opts.onProgress?.(result.acked);
        return;
      }
      if (reply === "timeout") {
        clients.delete(host);
        c.close();
      }
    }
    result.failed++;
  };
  const worker = async (): Promise<void> => {
    while (next < messages.length) await one(next++);
  };
  await Promise.all(Array.from({ length: opts.window }, worker));
  for (const c of clients.values()) (await c)?.close();
  return result;
}
