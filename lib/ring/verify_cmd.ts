/**
 * `zog verify [--repair]`: a node's access.log compared with its checksummed store; every
 * line that differs, is missing or is doubled reported, and with --repair access.log
 * rewritten from the store (the damaged file kept aside).
 *
 * @module
 */
import { Database } from "bun:sqlite";
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { NodeFiles } from "../config/mod.ts";
import { rowIsWhole, type CheckedRow } from "./listen/row_check.ts";
import { SegmentLog } from "./listen/segment_log.ts";
import { SEGMENTS_DIR } from "./listen/store.ts";
import { compactStamp } from "./message.ts";
import { alignAccess, type Finding, type Row } from "./verify_align.ts";

/** Bytes of an access.log line before its content: the 16-character stamp and a space. */
export const STAMP_BYTES = 17;

/** What verify read and found. */
export interface VerifyReport {
  /** One line per finding, then a summary line. */
  lines: string[];
  /** Whether anything differs. */
  damaged: boolean;
  /** With --repair: where the damaged access.log was kept. */
  keptAs?: string;
}

/**
 * Compares the node's access.log with its store and, with `repair`, rewrites access.log from
 * the store. The node must not be running for a repair (it appends to access.log).
 *
 * @throws {Error} when the files cannot be read or written
 * @example
 * ```ts
 * const report = verifyNode(nodeFiles(config, self), { repair: false });
 * ```
 */
export function verifyNode(paths: NodeFiles, opts: { repair: boolean }): VerifyReport {
  const accessPath = join(paths.logDir, "access.log");
  const text = existsSync(accessPath) ? readFileSync(accessPath, "utf8") : "";
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const stored = readStore(paths.stateDir);
  const rows: Row[] = stored.map((r) => ({ seq: r.seq, content: r.content }));
  const a = alignAccess(
    lines.map((l) => l.slice(STAMP_BYTES)),
    rows,
  );
  const out = a.findings.map(describe);
  for (const r of rows) if (r.content === undefined) out.push(`store: message ${r.seq} fails its checksum: its line was not checked`);
  const first = rows[0]?.seq;
  const range = first === undefined ? "the store is empty" : `messages ${first}-${rows.at(-1)!.seq}`;
  const count = (k: Finding["kind"]) => a.findings.filter((f) => f.kind === k).length;
  out.push(
    `${accessPath}: ${lines.length - a.before} lines checked against the store (${range})` +
      (a.before > 0 ? `, ${a.before} older lines not checked` : "") +
      `: ${count("differs")} differ, ${count("missing")} missing, ${count("doubled")} doubled, ${count("extra")} not in the store`,
  );
  const damaged = a.findings.length > 0;
  if (!opts.repair || !damaged) return { lines: out, damaged };
  const keptAs = rewrite(accessPath, lines, stored, a);
  out.push(`access.log rewritten from the store; the damaged file is kept as ${keptAs}`);
  return { lines: out, damaged, keptAs };
}

function describe(f: Finding): string {
  switch (f.kind) {
    case "differs":
      return `access.log:${f.line}: differs from the store (message ${f.seq}): ${JSON.stringify(f.got)}, the store has ${JSON.stringify(f.want)}`;
    case "doubled":
      return `access.log:${f.line}: doubled (message ${f.seq}): ${JSON.stringify(f.content)}`;
    case "extra":
      return `access.log:${f.line}: not in the store: ${JSON.stringify(f.content)}`;
    case "missing":
      return `access.log: message ${f.seq} is missing (after line ${f.afterLine}): ${JSON.stringify(f.content)}`;
  }
}

/** A stored message as verify reads it: its content undefined when it fails its checksum. */
interface StoredRow {
  seq: number;
  ts: number;
  content: string | undefined;
}

/**
 * Every message of the store, read-only (the node may be running): those of a store.db not
 * yet moved into segments (a node not started since), then the segments' from the first
 * held on.
 */
function readStore(stateDir: string): StoredRow[] {
  const rows: StoredRow[] = [];
  let firstSeq = 0;
  const path = join(stateDir, "store.db");
  if (existsSync(path)) {
    const db = new Database(path, { readonly: true });
    try {
      const tables = new Set(
        (db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name),
      );
      if (tables.has("meta"))
        firstSeq = (db.query("SELECT value FROM meta WHERE key = 'first_seq'").get() as { value: number } | null)?.value ?? 0;
      if (tables.has("messages"))
        for (const r of oldRows(db)) rows.push({ seq: r.seq, ts: r.ts, content: rowIsWhole(r) ? r.content : undefined });
    } finally {
      db.close();
    }
  }
  const log = SegmentLog.open(join(stateDir, SEGMENTS_DIR), { readonly: true });
  try {
    log.read(Math.max(firstSeq, (rows.at(-1)?.seq ?? 0) + 1), (r) => {
      rows.push(r.kind === "row" ? { seq: r.row.seq, ts: r.row.ts, content: r.row.content } : { seq: r.seq, ts: r.ts, content: undefined });
    });
  } finally {
    log.close();
  }
  return rows;
}

function oldRows(db: Database): CheckedRow[] {
  const cols = db.query("PRAGMA table_info(messages)").all() as { name: string }[];
  const crc = cols.some((c) => c.name === "crc") ? "crc" : "NULL AS crc";
  return db.query(`SELECT seq, ts, id, origin, content, ${crc} FROM messages ORDER BY seq`).all() as CheckedRow[];
}

/**
 * access.log as the store says: the lines older than the store as they were, then one line
 * per message (its own line where it was whole, else one made from the store's time), then
 * the lines past the store's end. Written beside it, synced, and moved in place; the old
 * file is kept as access.log.damaged-STAMP.
 */
function rewrite(path: string, lines: string[], stored: StoredRow[], a: ReturnType<typeof alignAccess>): string {
  const out: string[] = lines.slice(0, a.before);
  let last = a.before - 1;
  for (let j = 0; j < stored.length; j++) {
    const r = stored[j]!;
    const at = a.lineOf[j]!;
    if (at >= 0) last = Math.max(last, at);
    if (at >= 0) out.push(lines[at]!);
    else if (r.content !== undefined) out.push(`${compactStamp(new Date(r.ts))} ${r.content}`);
  }
  // Lines past the store's last message (none on a stopped node) are kept, but not those found wrong.
  const wrong = new Set(a.findings.map((f) => (f.kind === "missing" ? 0 : f.line)));
  for (let i = last + 1; i < lines.length; i++) if (!wrong.has(i + 1)) out.push(lines[i]!);
  const keptAs = `${path}.damaged-${compactStamp(new Date())}`;
  const fd = openSync(`${path}.new`, "w", 0o644);
  try {
    writeSync(fd, out.length > 0 ? `${out.join("\n")}\n` : "");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(path, keptAs);
  renameSync(`${path}.new`, path);
  return keptAs;
}
