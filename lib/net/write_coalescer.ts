/**
 * Write coalescing without sockets: frames queued in one tick leave in one write, and a
 * partial write keeps its remainder until the sink drains.
 *
 * @module
 */

/** Where coalesced bytes go; returns how many bytes it took (0..length, or -1 if closed). */
export type ByteSink = (bytes: Uint8Array) => number;

/** Flush at once past this many queued bytes instead of waiting for the tick (as nats.js). */
export const FLUSH_THRESHOLD = 32 * 1024;

/**
 * Queues frames and writes them to a sink in as few calls as possible: once per tick
 * (scheduled with `schedule`, default `queueMicrotask`), or at once when more than
 * {@link FLUSH_THRESHOLD} bytes are queued. While the sink is full (it took less than it
 * was given) nothing more is written until {@link drain} is called.
 *
 * The coalescer keeps references to the frames: callers must not modify a frame after
 * writing it.
 *
 * @example
 * ```ts
 * const out: Uint8Array[] = [];
 * const w = new WriteCoalescer((b) => (out.push(b.slice()), b.length));
 * w.write(new Uint8Array([1])); w.write(new Uint8Array([2]));
 * await Promise.resolve(); // out is now [Uint8Array [1, 2]]
 * ```
 */
export class WriteCoalescer {
  #sink: ByteSink;
  #schedule: (fn: () => void) => void;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #remainder: Uint8Array | null = null;
  #blocked = false;
  #scheduled = false;

  /** Called when every queued byte has gone to the sink after it had been full. */
  onIdle: (() => void) | null = null;

  constructor(sink: ByteSink, opts: { schedule?: (fn: () => void) => void } = {}) {
    this.#sink = sink;
    this.#schedule = opts.schedule ?? queueMicrotask;
  }

  /** Bytes queued or held back by a partial write, not yet taken by the sink. */
  get bufferedBytes(): number {
    return this.#pendingBytes + (this.#remainder?.length ?? 0);
  }

  /** Queues one frame. */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes > FLUSH_THRESHOLD) {
      this.flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is queued now, unless the sink is full. */
  flush(): void {
    if (this.#blocked) return;
    if (this.#remainder !== null) {
      // Written alone: copying a large remainder into every later batch would be quadratic.
      const rest = this.#offer(this.#remainder);
      this.#remainder = rest;
      if (rest !== null) return;
    }
    if (this.#pending.length === 0) return;
    const batch = this.#pending.length === 1 ? this.#pending[0]! : concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#remainder = this.#offer(batch);
  }

  /** The sink has room again: resume writing. */
  drain(): void {
    const wasBlocked = this.#blocked;
    this.#blocked = false;
    this.flush();
    if (wasBlocked && !this.#blocked && this.bufferedBytes === 0) this.onIdle?.();
  }

  #offer(bytes: Uint8Array): Uint8Array | null {
    const n = Math.max(0, this.#sink(bytes));
    if (n >= bytes.length) return null;
    this.#blocked = true;
    return bytes.subarray(n);
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
