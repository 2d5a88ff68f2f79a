// What access.log holds at start (issue 27, found by the fault suite): a line with a flipped
// bit was written (counted once, reported), a file cut short gets its confirmed lines back
// from the journal and the store, and a line that is other content is still not counted.
import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { differingBytes, FLIPPED_BYTES } from "../../lib/ring/access_check.ts";
import { stepBack } from "../../lib/ring/access_restore.ts";
import { journalLine } from "../../lib/ring/journal_format.ts";
import { LogFiles } from "../../lib/ring/log_files.ts";
import { recover, type StoreRows } from "../../lib/ring/recovery.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const STAMP = "20261206T070000Z";
const contents = Array.from({ length: 10 }, (_, i) => `message ${String(i + 1).padStart(2, "0")} ${"x".repeat(i)}`);
const line = (c: string) => `${STAMP} ${c}\n`;
const offsetOf = (seq: number) => contents.slice(0, seq - 1).reduce((n, c) => n + Buffer.byteLength(line(c)), 0);

/** A store holding messages 1-10. */
function store(): StoreRows {
  const rows = contents.map((content, i) => ({ seq: i + 1, id: `id-${i + 1}`, origin: 0, content }));
  return {
    lastSeq: 10,
    put: () => {},
    skipTo: () => {},
    scanDamaged: () => [],
    replace: () => {},
    between: (from, to) => rows.filter((r) => r.seq >= from && r.seq <= to),
  };
}

/**
 * A stopped node's files: messages 1-10 in access.log and the journal (two commits, P
 * records at 1 and 6), the L mark at `mark`.
 */
function node(mark: number): { dir: string; access: string } {
  const dir = tmpDir();
  const m = (seq: number) => journalLine({ kind: "M", seq, id: `id-${seq}`, origin: 0, dests: new Map(), content: contents[seq - 1]! });
  const journal = [journalLine({ kind: "V", version: 2, seq: 0 })];
  for (let s = 1; s <= 5; s++) journal.push(m(s));
  journal.push(journalLine({ kind: "P", seq: 1, offset: 0 }));
  if (mark === 5) journal.push(journalLine({ kind: "L", seq: 5 }));
  for (let s = 6; s <= 10; s++) journal.push(m(s));
  journal.push(journalLine({ kind: "P", seq: 6, offset: offsetOf(6) }));
  if (mark === 10) journal.push(journalLine({ kind: "L", seq: 10 }));
  writeFileSync(join(dir, "journal"), journal.join(""));
  const access = join(dir, "access.log");
  writeFileSync(access, contents.map(line).join(""));
  return { dir, access };
}

function start(dir: string) {
  const files = new LogFiles(dir);
  try {
    return recover(files, store());
  } finally {
    files.close();
  }
}

/** access.log's contents, stamps removed. */
const logged = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.slice(17));

describe("access.log at start", () => {
  test("a flipped bit in a line past the L mark: counted as logged once, mended in place, and reported", () => {
    const { dir, access } = node(5);
    const bytes = readFileSync(access);
    const before = bytes.toString();
    const at = offsetOf(8) + 20;
    bytes[at] = bytes[at]! ^ 0x04;
    writeFileSync(access, bytes);
    const r = start(dir);
    expect(r.repaired).toBe(0);
    expect(readFileSync(access, "utf8")).toBe(before);
    expect(r.damage).toEqual([
      `access.log: the line of message 8 at byte ${offsetOf(8)} differs from the journal's record in 1 byte (a flipped bit): counted as logged, not appended again, and mended in place from the record; ` +
        "lines before the journal's L mark are not checked at start: `zog verify --repair` with the node stopped checks and mends every line",
    ]);
  });

  test("a line that is other content (more bytes differ) is not counted: it and the rest are written", () => {
    const { dir, access } = node(5);
    const text = readFileSync(access, "utf8").replace("message 08", "MESSAGE_08");
    writeFileSync(access, text);
    const r = start(dir);
    expect(r.repaired).toBe(3);
    expect(logged(access).slice(10)).toEqual(contents.slice(7));
  });

  test("cut inside a confirmed line the journal's offsets cover: cut to the line before, the rest written again", () => {
    const { dir, access } = node(10);
    truncateSync(access, offsetOf(8) + 5);
    const r = start(dir);
    expect(logged(access)).toEqual(contents);
    expect(r.repaired).toBe(3);
    expect(r.damage.join("\n")).toContain(
      `cut short (messages 8-10 were logged and are gone): cut to its last whole line at byte ${offsetOf(8)}`,
    );
  });

  test("cut at a line's end the journal's offsets cover: nothing cut, the lost lines written again", () => {
    const { dir, access } = node(10);
    truncateSync(access, offsetOf(9));
    const r = start(dir);
    expect(logged(access)).toEqual(contents);
    expect(r.damage.join("\n")).toContain(
      "cut short (messages 9-10 were logged and are gone): it ends at a line's end; 2 lines written again",
    );
  });

  test("cut before the journal's first offset: the store says where, its lines and the journal's are written again", () => {
    const { dir, access } = node(10);
    truncateSync(access, offsetOf(3) + 4);
    const r = start(dir);
    expect(logged(access)).toEqual(contents);
    expect(r.repaired).toBe(8);
    expect(r.damage.join("\n")).toContain(
      `cut short (messages 3-10 were logged and are gone): cut to its last whole line at byte ${offsetOf(3)}`,
    );
  });

  test("cut at a line's end before the offsets: nothing cut, the missing lines written again", () => {
    const { dir, access } = node(10);
    truncateSync(access, offsetOf(4));
    start(dir);
    expect(logged(access)).toEqual(contents);
  });
});

describe("the pure parts", () => {
  test("differingBytes counts the bytes past the stamp that differ, newline included", () => {
    const c = Buffer.from("hello");
    expect(differingBytes(Buffer.from(line("hello")), c)).toBe(0);
    expect(differingBytes(Buffer.from(line("hallo")), c)).toBe(1);
    expect(differingBytes(Buffer.from(`${STAMP} hello\r`), c)).toBe(1);
    expect(differingBytes(Buffer.from(`${STAMP}_hello\n`), c)).toBe(1);
    expect(differingBytes(Buffer.from(line("world")), c)).toBeGreaterThan(FLIPPED_BYTES);
  });

  test("one flipped bit anywhere past the stamp is within the rule", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (s, pos, bit) => {
        const content = Buffer.from(s);
        const l = Buffer.from(line(s));
        const at = 16 + (pos % (l.byteLength - 16));
        l[at] = l[at]! ^ (1 << bit);
        expect(differingBytes(l, content)).toBe(1);
      }),
    );
  });

  test("stepBack lands on the line the file's end falls in", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 18, max: 60 }), { minLength: 1, maxLength: 30 }), fc.nat(), (lens, cutAt) => {
        const starts = lens.map((_, i) => lens.slice(0, i).reduce((a, b) => a + b, 0));
        const total = lens.reduce((a, b) => a + b, 0);
        const size = cutAt % (total + 1);
        const last = lens.length; // the line of seq `last + 1` starts at `total`
        const at = stepBack({ seq: last + 1, offset: total }, size, (seq) => lens[seq - 1]);
        expect(at.offset).toBeLessThanOrEqual(size);
        if (at.seq <= last) expect(at.offset + lens[at.seq - 1]!).toBeGreaterThan(size);
        expect(at.offset).toBe(at.seq <= last ? starts[at.seq - 1]! : total);
      }),
    );
  });
});
