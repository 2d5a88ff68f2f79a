import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { rowSum } from "../../../lib/ring/listen/row_check.ts";
import { RingStore } from "../../../lib/ring/listen/store.ts";
import { removeTmpDirs, tmpDir } from "../../helpers/procs.ts";
import { storedIds } from "../../helpers/store_files.ts";

afterAll(() => removeTmpDirs());

/** A store.db as the node wrote it before segments: messages 3-7 (1-2 gone to retention), one damaged, one from before checksums, and a position. */
function olderStore(dir: string): void {
  const db = new Database(join(dir, "store.db"), { create: true });
  db.exec(`
    CREATE TABLE messages (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, id TEXT NOT NULL, origin TEXT NOT NULL, content TEXT NOT NULL, crc INTEGER);
    CREATE TABLE positions (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, crc INTEGER);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE seen (name TEXT PRIMARY KEY, at INTEGER NOT NULL);
    INSERT INTO meta VALUES ('last_seq', 2);
    INSERT INTO positions VALUES ('durable:d', 4, NULL);
  `);
  const put = db.prepare("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)");
  for (let seq = 3; seq <= 7; seq++) {
    const [id, content] = [`m${seq}`, `content ${seq}`];
    const crc = seq === 4 ? null : rowSum(seq, 1000 + seq, id, "MV", content) + (seq === 5 ? 1 : 0);
    put.run(seq, 1000 + seq, id, "MV", content, crc);
  }
  db.close();
}

test("an older store's messages move into segments once, at open: seqs, times, damage and positions kept", () => {
  const dir = tmpDir();
  olderStore(dir);
  let s = RingStore.open(dir);
  expect(s.notes).toEqual([`store: 5 messages moved from ${join(dir, "store.db")} into segment files (${join(dir, "messages")})`]);
  expect(s.lastSeq).toBe(7);
  expect(s.oldestSeq()).toBe(3);
  expect(s.read(1, 10).map((m) => `${m.seq} ${m.ts} ${m.id} ${m.content}`)).toEqual([
    "3 1003 m3 content 3",
    "4 1004 m4 content 4",
    "6 1006 m6 content 6",
    "7 1007 m7 content 7",
  ]);
  expect([...s.damagedSeqs]).toEqual([5]);
  expect(s.position("durable:d")).toBe(4);
  expect(s.append([{ id: "new", origin: "MV", content: "after" }])).toBe(8);
  s.close();
  const db = new Database(join(dir, "store.db"), { readonly: true });
  expect(db.query("SELECT name FROM sqlite_master WHERE name = 'messages'").get()).toBeNull();
  db.close();
  s = RingStore.open(dir);
  expect(s.notes).toEqual([]);
  expect(storedIds(dir)).toEqual(["m3", "m4", "m5", "m6", "m7", "new"]);
  s.close();
});

test("a store emptied by retention before it moved keeps its numbering", () => {
  const dir = tmpDir();
  const db = new Database(join(dir, "store.db"), { create: true });
  db.exec(`
    CREATE TABLE messages (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, id TEXT NOT NULL, origin TEXT NOT NULL, content TEXT NOT NULL, crc INTEGER);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta VALUES ('last_seq', 41);
  `);
  db.close();
  const s = RingStore.open(dir);
  expect(s.lastSeq).toBe(41);
  expect(s.append([{ id: "a", origin: "MV", content: "x" }])).toBe(42);
  s.close();
  expect(existsSync(join(dir, "messages"))).toBe(true);
});
