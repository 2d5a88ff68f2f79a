/**
 * Checksums of the store's rows: a message row and a saved position each carry the CRC-32
 * of their fields, so a row the disk damaged is never served, and is reported.
 *
 * @module
 */

/**
 * CRC-32 of a message row's fields (Bun.hash.crc32: the fastest of Bun's hashes here, see
 * journal_format.ts), as a signed 32-bit integer (SQLite's INTEGER holds it exactly).
 *
 * @example
 * ```ts
 * rowSum(1, 1733450000000, "c5-1", "MV", "hello"); // an integer
 * ```
 */
export function rowSum(seq: number, ts: number, id: string, origin: string, content: string): number {
  return Bun.hash.crc32(`${seq} ${ts} ${id} ${origin} ${content}`) | 0;
}

/**
 * CRC-32 of a saved position.
 *
 * @example
 * ```ts
 * positionSum("durable:audit", 42); // an integer
 * ```
 */
export function positionSum(name: string, seq: number): number {
  return Bun.hash.crc32(`${name} ${seq}`) | 0;
}

/** A row as read, with its checksum (null: written before rows had one). */
export interface CheckedRow {
  seq: number;
  ts: number;
  id: string;
  origin: string;
  content: string;
  crc: number | null;
}

/**
 * Whether a row's fields match its checksum; a row of an older store (no checksum) passes.
 *
 * @example
 * ```ts
 * rowIsWhole({ seq: 1, ts: 5, id: "a", origin: "MV", content: "x", crc: null }); // true
 * ```
 */
export function rowIsWhole(r: CheckedRow): boolean {
  return r.crc === null || r.crc === rowSum(r.seq, r.ts, r.id, r.origin, r.content);
}
