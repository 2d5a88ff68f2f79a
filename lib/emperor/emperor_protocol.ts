/**
 * uWSGI's emperor protocol: single bytes over the socket pair whose fd number the vassal
 * finds in `UWSGI_EMPEROR_FD`. Pure: bytes in, messages out.
 *
 * @module
 */

/** What a vassal says, by byte value (uWSGI 2.0). */
export const VASSAL_BYTES = { 1: "spawned", 5: "accepting", 17: "loyal", 22: "voluntary_shutdown", 26: "heartbeat" } as const;

/** A message from a vassal; `unknown` keeps the byte so it can be logged. */
export type VassalMessage = (typeof VASSAL_BYTES)[keyof typeof VASSAL_BYTES] | { unknown: number };

/** What the emperor sends to a vassal. */
export const EMPEROR_BYTES = { stop: 0, reload: 1 } as const;

/**
 * Decodes the bytes read from a vassal's emperor socket (each byte is one message).
 *
 * @example
 * ```ts
 * parseVassalBytes(new Uint8Array([1, 5, 26])); // ["spawned", "accepting", "heartbeat"]
 * ```
 */
export function parseVassalBytes(bytes: Uint8Array): VassalMessage[] {
  const out: VassalMessage[] = [];
  for (const b of bytes) out.push(VASSAL_BYTES[b as keyof typeof VASSAL_BYTES] ?? { unknown: b });
  return out;
}

/** True when `m` means the vassal is ready: accepting requests (5), or spawned (1). */
export function isReady(m: VassalMessage): boolean {
  return m === "accepting" || m === "spawned";
}
