/**
 * Helpers for tests over real sockets: wait for bytes, wait for a close, and close every
 * listener and connection a test opened.
 *
 * @module
 */
import type { Conn, Listener } from "../../lib/net/mod.ts";

/** Remembers what a test opened, so that afterEach can close it all. */
export class Cleanup {
  #items: { close(): void }[] = [];

  /** Registers a listener or connection and returns it. */
  add<T extends Listener | Conn>(item: T): T {
    this.#items.push(item);
    return item;
  }

  /** Closes everything registered, newest first. */
  closeAll(): void {
    for (const item of this.#items.splice(0).reverse()) item.close();
  }
}

/**
 * Resolves with the first `n` bytes received on `conn` (all chunks, concatenated).
 * Rejects if the connection closes first or nothing completes within `ms`.
 */
export function readBytes(conn: Conn, n: number, ms = 10_000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const buf = new Uint8Array(n);
    let at = 0;
    const timer = setTimeout(() => reject(new Error(`got ${at} of ${n} bytes in ${ms} ms`)), ms);
    conn.onData((chunk) => {
      buf.set(chunk.subarray(0, n - at), at);
      at += Math.min(chunk.length, n - at);
      if (at === n) {
        clearTimeout(timer);
        resolve(buf);
      }
    });
    conn.onClose((err) => {
      clearTimeout(timer);
      if (at < n) reject(new Error(`closed after ${at} of ${n} bytes${err ? `: ${err.message}` : ""}`));
    });
  });
}

/** Resolves with the close error (or undefined) when `conn` closes. */
export function closed(conn: Conn): Promise<Error | undefined> {
  return new Promise((resolve) => conn.onClose(resolve));
}

/** Resolves with the next connection a listener's `onConn` receives. */
export function nextConn(): { onConn: (c: Conn) => void; conn: Promise<Conn> } {
  let onConn!: (c: Conn) => void;
  const conn = new Promise<Conn>((resolve) => (onConn = resolve));
  return { onConn, conn };
}

/** UTF-8 bytes of a string. */
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
