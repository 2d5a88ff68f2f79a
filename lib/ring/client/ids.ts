/**
 * Message ids: a random 64-bit client id and a sequence number, `<hex>-<seq>`
 * (docs/PROTOCOL.md). A retry reuses its message's id so every node drops the copy.
 *
 * @module
 */
import { randomBytes } from "node:crypto";

/**
 * A random 64-bit client id as 16 lowercase hex digits.
 *
 * @example
 * ```ts
 * newClientId(); // "c5f01d2e7b3a449a"
 * ```
 */
export function newClientId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Hands out `<clientId>-<seq>` ids, seq counting from 1.
 *
 * @example
 * ```ts
 * const ids = new MessageIds("c5f01d2e7b3a449a");
 * ids.next(); // "c5f01d2e7b3a449a-1"
 * ```
 */
export class MessageIds {
  #seq = 0;

  /** @param clientId this client's id (default: a fresh random one) */
  constructor(readonly clientId: string = newClientId()) {}

  /** The next id. */
  next(): string {
    this.#seq += 1;
    return `${this.clientId}-${this.#seq}`;
  }

  /** How many ids were handed out. */
  get count(): number {
    return this.#seq;
  }
}
