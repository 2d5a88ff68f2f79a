/**
 * Sets of sequence numbers as text ("1-5,7,9-12"): how a listener acknowledges events
 * (EVENT_ACK `seqs`). Pure.
 *
 * @module
 */

/** An inclusive run of sequence numbers. */
export type SeqRange = readonly [first: number, last: number];

/** Most runs one EVENT_ACK may carry (its payload stays far below 64 KiB). */
export const MAX_RANGES = 4096;

/**
 * Writes sequence numbers (in any order, repeats allowed) as runs.
 *
 * @example
 * ```ts
 * encodeRanges([3, 1, 2, 7]); // "1-3,7"
 * ```
 */
export function encodeRanges(seqs: Iterable<number>): string {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(",");
}

/**
 * Reads runs written by {@link encodeRanges}.
 *
 * @throws {RangeError} on anything else (quoting the bad part), or more than {@link MAX_RANGES} runs
 * @example
 * ```ts
 * decodeRanges("1-3,7"); // [[1, 3], [7, 7]]
 * ```
 */
export function decodeRanges(text: string): SeqRange[] {
  const parts = text.split(",");
  if (parts.length > MAX_RANGES) throw new RangeError(`seqs: more than ${MAX_RANGES} runs`);
  return parts.map((p) => {
    const m = /^(\d{1,15})(?:-(\d{1,15}))?$/.exec(p);
    const first = m ? Number(m[1]) : NaN;
    const last = m?.[2] !== undefined ? Number(m[2]) : first;
    if (!m || first < 1 || last < first) throw new RangeError(`seqs: "${p.slice(0, 40)}" is not SEQ or FIRST-LAST`);
    return [first, last] as const;
  });
}

/**
 * Whether `seq` is in one of `ranges`.
 *
 * @example
 * ```ts
 * inRanges(decodeRanges("1-3,7"), 2); // true
 * ```
 */
export function inRanges(ranges: readonly SeqRange[], seq: number): boolean {
  return ranges.some(([a, b]) => seq >= a && seq <= b);
}
