/**
 * The fault suite's clients: a writer that sends numbered messages over TLS to every node in
 * turn (a message unanswered within its timeout is sent again to the next node, under the
 * same id, as a careful client does) and records which were acknowledged; and one listener
 * per node that records what it was delivered.
 *
 * @module
 */
import type { TlsClientFiles } from "../../lib/tls/files.ts";
import { WireClient } from "../../tests/helpers/wire_client.ts";

/** What the writer saw: contents sent, and those acknowledged (an `ok` from some node). */
export interface WriteHistory {
  attempted: Set<string>;
  acked: Set<string>;
  /** Sends that got ERROR, a timeout or a closed connection (each retried). */
  retries: number;
}

/**
 * The content of message `i` of `tag`.
 *
 * @example
 * ```ts
 * content("f1", 42); // "f1 000042"
 * ```
 */
export const content = (tag: string, i: number): string => `${tag} ${String(i).padStart(6, "0")}`;

/**
 * Sends messages of `tag` to `hosts` with `window` in flight (each sender pausing `paceMs`
 * between messages), up to `count` and while `more()` says so, until each was
 * acknowledged or ran out of `attempts`.
 *
 * @example
 * ```ts
 * const h = await write(hosts, CLIENT_PORT, ring.tls, { tag: "f1", count: 1000, window: 8 });
 * h.acked.size;
 * ```
 */
export async function write(
  hosts: readonly string[],
  port: number,
  tls: TlsClientFiles,
  opts: {
    tag: string;
    count: number;
    window: number;
    more?: () => boolean;
    paceMs?: number;
    timeoutMs?: number;
    attempts?: number;
    onAck?: (n: number) => void;
  },
): Promise<WriteHistory> {
  const h: WriteHistory = { attempted: new Set(), acked: new Set(), retries: 0 };
  const clients = new Map<string, Promise<WireClient | undefined>>();
  const client = async (host: string): Promise<WireClient | undefined> => {
    let c = clients.get(host);
    if (!c) clients.set(host, (c = WireClient.connect(host, port, tls).catch(() => undefined)));
    const x = await c;
    if (x && !x.conn.closed) return x;
    clients.delete(host);
    return undefined;
  };
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const msg = content(opts.tag, i);
    for (let attempt = 0; attempt < (opts.attempts ?? 30); attempt++) {
      if (attempt > 0) h.retries++;
      const host = hosts[(i + attempt) % hosts.length]!;
      const c = await client(host);
      h.attempted.add(msg);
      if (!c) {
        // That node refused or is cut off: a short pause before the next one, as a client would.
        await Bun.sleep(100);
        continue;
      }
      // The client's timeout for an answer (what the writer tolerates), not a wait for a condition.
      const reply = await Promise.race([
        c.send(`${opts.tag}-${i}`, `0${msg}\r\n`),
        Bun.sleep(opts.timeoutMs ?? 3000).then(() => "timeout"),
      ]);
      if (reply === undefined) {
        h.acked.add(msg);
        opts.onAck?.(h.acked.size);
        return;
      }
      if (reply === "timeout") {
        clients.delete(host);
        c.close();
      }
    }
  };
  await Promise.all(
    Array.from({ length: opts.window }, async () => {
      while (next < opts.count && (opts.more?.() ?? true)) {
        await one(next++);
        // The writer's pace (messages a second it offers), not a wait for a condition.
        if (opts.paceMs) await Bun.sleep(opts.paceMs);
      }
    }),
  );
  for (const c of clients.values()) (await c)?.close();
  return h;
}

/** One listener's record: what it was delivered, and whether its connection ever broke. */
export interface ListenerRecord {
  node: string;
  events: string[];
  broken: boolean;
}

/**
 * A listener subscribed to `tag` on every node; `stop()` closes them and returns their records.
 *
 * @throws {Error} when a node refuses the subscription
 * @example
 * ```ts
 * const l = await listen([{ name: "MV", host: "10.200.1.1" }], CLIENT_PORT, ring.tls, "f1");
 * const records = l.stop();
 * ```
 */
export async function listen(
  nodes: readonly { name: string; host: string }[],
  port: number,
  tls: TlsClientFiles,
  tag: string,
): Promise<{ stop(): ListenerRecord[] }> {
  const subs: { node: string; c: WireClient; broken: boolean }[] = [];
  for (const n of nodes) {
    const c = await WireClient.connect(n.host, port, tls);
    const why = await c.subscribe(`${tag} `);
    if (why !== undefined) throw new Error(`listener on ${n.name}: subscription refused: ${why}`);
    const s = { node: n.name, c, broken: false };
    c.conn.onClose(() => (s.broken = true));
    subs.push(s);
  }
  return {
    stop: () =>
      subs.map((s) => {
        const broken = s.broken;
        s.c.close();
        return { node: s.node, events: s.c.events.map((e) => e.msg.replace(/^0/, "").replace(/\r\n$/, "")), broken };
      }),
  };
}
