/**
 * `zog verify`'s core: access.log's lines against the store's messages, in order. Pure:
 * contents in, findings out. The two are written in the same order, so they align line by
 * line; where they part, the nearest point where they agree again is found and what lies
 * between is classified: a line that differs, a line the store does not have (doubled when
 * it repeats a neighbour), a message missing from access.log.
 *
 * @module
 */

/** What verify found at one place. */
export type Finding =
  | { kind: "differs"; line: number; seq: number; got: string; want: string }
  | { kind: "doubled"; line: number; seq: number; content: string }
  | { kind: "extra"; line: number; content: string }
  | { kind: "missing"; seq: number; afterLine: number; content: string };

/** A message of the store, as verify compares it (undefined content: the row failed its checksum). */
export interface Row {
  seq: number;
  content: string | undefined;
}

/** The result of an alignment: findings, and which line holds which row. */
export interface Alignment {
  findings: Finding[];
  /** Lines before the store's first message (older than it keeps): not checked. */
  before: number;
  /** For each row, the index of the line that holds it whole, or -1. */
  lineOf: number[];
}

/** How far ahead a resynchronisation looks, lines and rows. */
const LOOKAHEAD = 64;

/** Lines that must agree after a resynchronisation point for it to count. */
const AGREE = 3;

const same = (line: string | undefined, row: Row | undefined) =>
  row !== undefined && line !== undefined && (row.content === undefined || row.content === line);

/**
 * Aligns access.log's contents (stamps removed) with the store's rows (seq order).
 *
 * @example
 * ```ts
 * alignAccess(["a", "b", "b", "c"], [{ seq: 1, content: "a" }, { seq: 2, content: "b" }, { seq: 3, content: "c" }]).findings;
 * // [{ kind: "doubled", line: 3, seq: 2, content: "b" }]
 * ```
 */
export function alignAccess(lines: readonly string[], rows: readonly Row[]): Alignment {
  const lineOf = rows.map(() => -1);
  const findings: Finding[] = [];
  let i = start(lines, rows);
  const before = i;
  let j = 0;
  while (i < lines.length && j < rows.length) {
    if (same(lines[i], rows[j])) {
      lineOf[j++] = i++;
      continue;
    }
    const [di, dj] = resync(lines, rows, i, j);
    const pairs = Math.min(di, dj);
    for (let k = 0; k < pairs; k++) {
      const row = rows[j + k]!;
      findings.push({ kind: "differs", line: i + k + 1, seq: row.seq, got: lines[i + k]!, want: row.content! });
    }
    for (let k = pairs; k < di; k++) findings.push(extra(lines, rows, i + k, j + pairs));
    for (let k = pairs; k < dj; k++) {
      const row = rows[j + k]!;
      findings.push({ kind: "missing", seq: row.seq, afterLine: i + di, content: row.content ?? "" });
    }
    i += di;
    j += dj;
  }
  for (; i < lines.length; i++) findings.push(extra(lines, rows, i, j));
  for (; j < rows.length; j++)
    findings.push({ kind: "missing", seq: rows[j]!.seq, afterLine: lines.length, content: rows[j]!.content ?? "" });
  return { findings, before, lineOf };
}

/** A line the store does not hold at its place: doubled when it repeats the row before or after. */
function extra(lines: readonly string[], rows: readonly Row[], i: number, j: number): Finding {
  const line = lines[i]!;
  for (const row of [rows[j - 1], rows[j]]) if (row?.content === line) return { kind: "doubled", line: i + 1, seq: row.seq, content: line };
  return { kind: "extra", line: i + 1, content: line };
}

/**
 * Where the store's first message is in access.log: lines before it are older than the
 * store keeps. A store that holds message 1 has every line.
 */
function start(lines: readonly string[], rows: readonly Row[]): number {
  if (rows.length === 0) return lines.length;
  if (rows[0]!.seq === 1) return 0;
  const want = Math.min(AGREE, rows.length);
  for (let i = 0; i < lines.length; i++) {
    let k = 0;
    while (k < want && same(lines[i + k], rows[k])) k++;
    if (k === want) return i;
  }
  return 0;
}

/** The smallest steps (lines, rows) after which both agree again for {@link AGREE} lines. */
function resync(lines: readonly string[], rows: readonly Row[], i: number, j: number): [number, number] {
  for (let sum = 1; sum <= 2 * LOOKAHEAD; sum++) {
    // Even steps first (a line that differs), then the nearest uneven ones.
    for (let gap = sum % 2; gap <= sum; gap += 2) {
      const big = (sum + gap) / 2;
      const small = (sum - gap) / 2;
      if (big > LOOKAHEAD) continue;
      if (agrees(lines, rows, i + big, j + small)) return [big, small];
      if (gap > 0 && agrees(lines, rows, i + small, j + big)) return [small, big];
    }
  }
  // Nothing agrees nearby: one line against one row, and on.
  return [1, 1];
}

/** Whether lines from i and rows from j agree (or both have ended). */
function agrees(lines: readonly string[], rows: readonly Row[], i: number, j: number): boolean {
  if (i >= lines.length || j >= rows.length) return i === lines.length && j === rows.length;
  for (let k = 0; k < AGREE && i + k < lines.length && j + k < rows.length; k++) if (!same(lines[i + k], rows[j + k])) return false;
  return true;
}
