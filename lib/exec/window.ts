/**
 * Credit-based flow control of one direction of a stream: the receiver grants bytes
 * (WINDOW frames), the sender spends them (DATA frames) and waits when none are left, so
 * a fast producer and a slow consumer never grow a buffer past the window. Pure.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";

/**
 * The sender's side: what it may still send.
 *
 * @example
 * ```ts
 * const w = new SendWindow(INITIAL_WINDOW);
 * await w.open();           // resolves at once while credit is left
 * const n = w.take(chunk.byteLength); // how much of the chunk may go now
 * w.grant(65536);           // a WINDOW frame arrived
 * ```
 */
export class SendWindow {
  #credit: number;
  #waiters: (() => void)[] = [];
  #closed = false;

  constructor(initial: number) {
    this.#credit = initial;
  }

  /** Bytes that may be sent now. */
  get available(): number {
    return this.#credit;
  }

  /** Whether the stream ended ({@link close}): nothing more is to be sent. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Takes up to `want` bytes of credit; returns how many were taken (0 when none is left). */
  take(want: number): number {
    const n = Math.min(want, this.#credit);
    this.#credit -= n;
    return n;
  }

  /** The receiver granted `bytes` more. */
  grant(bytes: number): void {
    this.#credit += bytes;
    if (this.#credit > 0) this.#wake();
  }

  /** Resolves once there is credit (or the window is closed). */
  open(): Promise<void> {
    if (this.#credit > 0 || this.#closed) return Promise.resolve();
    return new Promise((res) => this.#waiters.push(res));
  }

  /** The stream ended: wake every waiter for good. */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const res of w) res();
  }
}

/**
 * A relay's or receiver's check of a peer's sending: what the peer may still send; more
 * than that is a protocol error (a peer ignoring flow control).
 *
 * @example
 * ```ts
 * const allowed = new WindowLimit(INITIAL_WINDOW);
 * allowed.spend(bytes.byteLength, "DATA from emperor n1"); // throws past the window
 * ```
 */
export class WindowLimit {
  #left: number;

  constructor(initial: number) {
    this.#left = initial;
  }

  /**
   * Counts `bytes` received.
   *
   * @throws {ProtocolError} when they pass what was granted
   */
  spend(bytes: number, what: string): void {
    if (bytes > this.#left) throw new ProtocolError(`${what} sent ${bytes - this.#left} bytes past its flow-control window`);
    this.#left -= bytes;
  }

  /** More was granted. */
  grant(bytes: number): void {
    this.#left += bytes;
  }
}
