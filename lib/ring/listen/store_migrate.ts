/**
 * Moving an older store's messages (the `messages` table of store.db, before segment files
 * held them) into segments, once, when it opens: every row in seq order (one that failed its
 * checksum there fails it here too, so it is mended the same way), synced, then the table
 * dropped and the file compacted.
 *
 * @module
 */
import type { Database } from "bun:sqlite";
import { type CheckedRow, rowIsWhole } from "./row_check.ts";
import type { SegmentLog } from "./segment_log.ts";

/** Rows read from SQLite per segment write. */
const PAGE = 10_000;

/**
 * Moves the rows of `db`'s `messages` table past `log`'s last seq into `log`, then drops the
 * table; returns how many rows moved (0 when there is no such table). Interrupted, it
 * starts again after the last row moved.
 *
 * @throws {Error} from SQLite or the writes
 * @example
 * ```ts
 * import { Database } from "bun:sqlite";
 * import { SegmentLog } from "./segment_log.ts";
 * const moved = moveMessages(new Database("/var/lib/zog/MV/store.db"), SegmentLog.open("/var/lib/zog/MV/messages"));
 * ```
 */
export function moveMessages(db: Database, log: SegmentLog): number {
  if (!db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'messages'").get()) return 0;
  const cols = db.query("PRAGMA table_info(messages)").all() as { name: string }[];
  const crc = cols.some((c) => c.name === "crc") ? "crc" : "NULL AS crc";
  const page = db.prepare(`SELECT seq, ts, id, origin, content, ${crc} FROM messages WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`);
  let moved = 0;
  for (let after = log.lastSeq; ;) {
    const rows = page.all(after) as CheckedRow[];
    if (rows.length === 0) break;
    const damaged = new Set(rows.filter((r) => !rowIsWhole(r)).map((r) => r.seq));
    log.append(
      rows.map((r) => ({ seq: r.seq, ts: r.ts, id: r.id, origin: r.origin, content: r.content })),
      damaged.size > 0 ? damaged : undefined,
    );
    moved += rows.length;
    after = rows[rows.length - 1]!.seq;
  }
  log.sync();
  log.syncFolder();
  db.transaction(() => {
    // The numbering goes on after the last row even when retention had emptied the table.
    db.run(
      "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_seq', max(coalesce((SELECT value FROM meta WHERE key = 'last_seq'), 0), ?))",
      [log.lastSeq],
    );
    db.run("DROP TABLE messages");
  })();
  db.exec("VACUUM");
  return moved;
}
