/**
 * Server-sent events of a snapshot that changes: every subscriber gets the current
 * snapshot at once, then each new one as soon as it differs from the last sent. The
 * snapshot is taken (and serialized once for everyone) on each tick and on each `poke()`,
 * only while someone listens, and never more than a tenth of the time: after a snapshot
 * that took T ms the next waits at least 10·T (a large fleet's snapshot costs milliseconds
 * that heartbeats and placement need).
 *
 * @module
 */
import { getLogger } from "../log/mod.ts";

const log = getLogger("stats", "console");
/** A snapshot that took T ms is followed by the next no sooner than SPACING · T ms later. */
const SPACING = 10;
const enc = new TextEncoder();

/** Options of a {@link SnapshotStream}. */
export interface SnapshotStreamOptions {
  /** Takes the snapshot (a JSON value); may be async (e.g. asks other nodes). */
  take: () => unknown;
  /** How often the snapshot is taken while someone listens (ms). */
  everyMs: number;
  /** A `poke()` is served at most this often (ms); default 100. */
  pokeMs?: number;
}

/**
 * One server-sent event as bytes. `data` is one JSON line.
 *
 * @example
 * ```ts
 * new TextDecoder().decode(sseEvent("log", "boom\n")); // 'event: log\ndata: "boom\\n"\n\n'
 * ```
 */
export function sseEvent(event: string, data: unknown): Uint8Array {
  return enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The headers of an event stream response. */
export const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" };

/**
 * A snapshot broadcast as `event: status` to every open `GET` of its stream.
 *
 * @example
 * ```ts
 * const stream = new SnapshotStream({ take: () => nodeStatus(node, ports), everyMs: 500 });
 * declare const req: Request; // in the stats server's ui route
 * const res = stream.response(req.signal);
 * ```
 */
export class SnapshotStream {
  #subs = new Set<ReadableStreamDefaultController<Uint8Array>>();
  #last: Uint8Array | undefined;
  #lastText = "";
  #timer: ReturnType<typeof setInterval> | undefined;
  #poked: ReturnType<typeof setTimeout> | undefined;
  #taking = false;
  /** No snapshot before this (performance.now()): see SPACING. */
  #notBefore = 0;

  constructor(readonly opts: SnapshotStreamOptions) {}

  /** Subscribers now. */
  get size(): number {
    return this.#subs.size;
  }

  /** Something changed: take a snapshot soon (within `pokeMs`) rather than at the next tick. */
  poke(): void {
    if (this.#subs.size === 0 || this.#poked) return;
    const wait = Math.max(this.opts.pokeMs ?? 100, this.#notBefore - performance.now());
    this.#poked = setTimeout(() => {
      this.#poked = undefined;
      void this.#take();
    }, wait);
  }

  /** A new subscriber's response; it ends when `signal` aborts (the browser went away). */
  response(signal: AbortSignal): Response {
    let mine: ReadableStreamDefaultController<Uint8Array> | undefined;
    const drop = () => {
      if (mine) this.#subs.delete(mine);
      if (this.#subs.size === 0) this.#stop();
    };
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        mine = c;
        this.#subs.add(c);
        c.enqueue(enc.encode("retry: 1000\n\n"));
        if (this.#last) c.enqueue(this.#last);
        else void this.#take();
        this.#timer ??= setInterval(() => void this.#take(), this.opts.everyMs);
        signal.addEventListener("abort", drop, { once: true });
      },
      cancel: drop,
    });
    return new Response(body, { headers: SSE_HEADERS });
  }

  /** Ends every stream (the server stops). */
  close(): void {
    for (const c of this.#subs) c.close();
    this.#subs.clear();
    this.#stop();
  }

  #stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#poked);
    this.#timer = this.#poked = undefined;
    this.#last = undefined;
    this.#lastText = "";
  }

  async #take(): Promise<void> {
    const start = performance.now();
    // 1 ms of slack: a timer set for #notBefore may fire a little early.
    if (this.#taking || this.#subs.size === 0 || start + 1 < this.#notBefore) return;
    this.#taking = true;
    try {
      const text = JSON.stringify(await this.opts.take());
      if (text === this.#lastText) return;
      this.#lastText = text;
      this.#last = enc.encode(`event: status\ndata: ${text}\n\n`);
      for (const c of [...this.#subs]) {
        try {
          c.enqueue(this.#last);
        } catch {
          this.#subs.delete(c); // closed meanwhile
        }
      }
    } catch (e) {
      log.error("console: cannot take the status snapshot: {error}", { error: (e as Error).message });
    } finally {
      this.#taking = false;
      const end = performance.now();
      this.#notBefore = end + SPACING * (end - start);
    }
  }
}
