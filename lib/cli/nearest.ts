/**
 * The nearest known word to a mistyped one (`zeus stauts` → `status`), for "did you mean"
 * hints. Pure: Levenshtein distance with adjacent swaps counted as one edit.
 *
 * @module
 */

/**
 * Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
 *
 * @example
 * ```ts
 * editDistance("stauts", "status"); // 1
 * ```
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The word of `known` closest to `word`, when it is close enough to be a typo (at most a
 * third of its length in edits, and at least one) or `word` is a prefix of it.
 *
 * @example
 * ```ts
 * nearest("stauts", ["status", "drain", "exec"]); // "status"
 * nearest("xyz", ["status"]); // undefined
 * ```
 */
export function nearest(word: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { w: string; d: number } | undefined;
  for (const w of known) {
    const d = w.startsWith(word) && word.length >= 2 ? 0 : editDistance(word.toLowerCase(), w);
    if (d <= limit && (!best || d < best.d)) best = { w, d };
  }
  return best?.w;
}
