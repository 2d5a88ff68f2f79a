/**
 * Log tails in zeus's console: a browser's `GET /ui/api/logs` becomes a logs stream of the
 * relay that `zeus logs -f` uses (so it is located, carried and logged the same way), on a
 * connection number of its own below zero, and its frames become server-sent events.
 * The browser's reading paces the emperor: window credit goes back only as the event
 * stream drains.
 *
 * @module
 */
import type { AdminFrame, StreamRouter } from "../admin/mod.ts";
import { SSE_HEADERS, sseEvent } from "./event_stream.ts";

/** The stream's id on its (one-stream) connection. */
const ID = 1;
/** Lines of the log sent before following it. */
const LINES = 200;

interface Tail {
  out: ReadableStreamDefaultController<Uint8Array>;
  text: TextDecoder;
  /** Window credit owed to the emperor until the browser reads on. */
  owed: number;
  who: string;
}

/**
 * The console's log tails.
 *
 * @example
 * ```ts
 * declare const relay: StreamRouter, req: Request;
 * const logs = new ConsoleLogs(() => relay);
 * // relay's toAdmin: (conn, f) => (logs.owns(conn) ? logs.frame(conn, f) : admins.get(conn)?.write(...))
 * const res = logs.open("ops", "web.toml", "e1", req.signal); // the stats server's answer
 * ```
 */
export class ConsoleLogs {
  #next = 0;
  #tails = new Map<number, Tail>();

  constructor(readonly relay: () => StreamRouter) {}

  /** Whether relay connection `conn` is one of the console's. */
  owns(conn: number): boolean {
    return conn < 0;
  }

  /** Tails opened now. */
  get size(): number {
    return this.#tails.size;
  }

  /** A new tail of `vassal`'s copy on `node` (its first running copy when undefined), as an event stream. */
  open(who: string, vassal: string, node: string | undefined, signal: AbortSignal): Response {
    const conn = -++this.#next;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (out) => {
          this.#tails.set(conn, { out, text: new TextDecoder(), owed: 0, who });
          signal.addEventListener("abort", () => this.#close(conn), { once: true });
          const open = { kind: "logs" as const, vassal, ...(node ? { node } : {}), lines: LINES, follow: true };
          this.relay().fromAdmin(conn, who, { type: "OPEN", id: ID, open });
        },
        pull: () => {
          const t = this.#tails.get(conn);
          if (!t || t.owed === 0) return;
          const bytes = t.owed;
          t.owed = 0;
          this.relay().fromAdmin(conn, who, { type: "WINDOW", id: ID, bytes });
        },
        cancel: () => this.#close(conn),
      },
      { highWaterMark: 64 * 1024, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    return new Response(body, { headers: SSE_HEADERS });
  }

  /** A frame the relay sends to console connection `conn`. */
  frame(conn: number, f: AdminFrame): void {
    const t = this.#tails.get(conn);
    if (!t) return;
    try {
      if (f.type === "OPENED") t.out.enqueue(sseEvent("opened", { node: f.node }));
      else if (f.type === "DATA") {
        t.out.enqueue(sseEvent("log", t.text.decode(f.data, { stream: true })));
        if ((t.out.desiredSize ?? 0) > 0) this.relay().fromAdmin(conn, t.who, { type: "WINDOW", id: ID, bytes: f.data.byteLength });
        else t.owed += f.data.byteLength;
      } else if (f.type === "END") {
        t.out.enqueue(sseEvent("end", { reason: f.error ? `${f.error}: ${f.reason ?? ""}` : "the log stream ended" }));
        this.#tails.delete(conn);
        this.relay().adminClosed(conn); // forgets the connection (its one stream has ended)
        t.out.close();
      }
    } catch {
      this.#close(conn); // the browser went away meanwhile
    }
  }

  /** Ends every tail (zeus stops). */
  close(): void {
    for (const conn of [...this.#tails.keys()]) this.#close(conn);
  }

  #close(conn: number): void {
    const t = this.#tails.get(conn);
    if (!t) return;
    this.#tails.delete(conn);
    this.relay().adminClosed(conn);
    try {
      t.out.close();
    } catch {
      // already closed by the browser
    }
  }
}
