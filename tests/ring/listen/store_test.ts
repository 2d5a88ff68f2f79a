import { afterAll, expect, test } from "bun:test";
import { RingStore, WRITE_ROWS } from "../../../lib/ring/listen/store.ts";
import { removeTmpDirs, tmpDir, waitFor } from "../../helpers/procs.ts";
import { failingWrites, spoilStored, storedIds as onDisk } from "../../helpers/store_files.ts";

afterAll(() => removeTmpDirs());

const msgs = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${tag}-${i}`, origin: "MV", content: `${tag} ${i}` }));

test("seqs are contiguous, kept across reopening, and never reused after retention emptied the store", () => {
  const dir = tmpDir();
  let s = RingStore.open(dir);
  expect(s.append(msgs("a", 3), 1000)).toBe(1);
  expect(s.append(msgs("b", 2), 500)).toBe(4); // a clock going back: times never decrease
  expect(s.read(1, 10).map((m) => [m.seq, m.id, m.ts])).toEqual([
    [1, "a-0", 1000],
    [2, "a-1", 1000],
    [3, "a-2", 1000],
    [4, "b-0", 1000],
    [5, "b-1", 1000],
  ]);
  s.close();
  s = RingStore.open(dir);
  expect(s.lastSeq).toBe(5);
  expect(s.prune({ ageMs: 1 }, 10_000)).toBe(5);
  expect(s.oldestSeq()).toBe(6);
  s.close();
  s = RingStore.open(dir);
  expect(s.append(msgs("c", 1))).toBe(6);
  s.close();
});

test("a time maps to the first seq logged at or after it", () => {
  const s = RingStore.open(tmpDir());
  for (let t = 0; t < 50; t++) s.append(msgs(`t${t}`, 3), 1000 + t * 10);
  expect(s.seqAtTime(0)).toBe(1);
  expect(s.seqAtTime(1000)).toBe(1);
  expect(s.seqAtTime(1001)).toBe(4);
  expect(s.seqAtTime(1100)).toBe(31);
  expect(s.seqAtTime(99_999)).toBe(151);
  s.prune({ ageMs: 200 }, 1300); // keeps ts >= 1100
  expect(s.oldestSeq()).toBe(31);
  expect(s.seqAtTime(0)).toBe(31);
  s.close();
});

test("retain by size trims the oldest until the store fits", () => {
  const s = RingStore.open(tmpDir());
  for (let b = 0; b < 20; b++)
    s.append(Array.from({ length: 500 }, (_, i) => ({ id: `x-${b}-${i}`, origin: "MV", content: "y".repeat(400) })));
  const before = s.usedBytes();
  expect(before).toBeGreaterThan(4_000_000);
  while (s.prune({ bytes: 1_000_000 }) > 0);
  expect(s.usedBytes()).toBeLessThanOrEqual(1_100_000);
  expect(s.oldestSeq()).toBeGreaterThan(5000);
  expect(s.read(s.oldestSeq(), 1e6).at(-1)!.seq).toBe(10_000);
  s.close();
});

test("put adds messages under the journal's seqs; skipTo moves the numbering on without reusing a seq", () => {
  const dir = tmpDir();
  let s = RingStore.open(dir);
  s.append(msgs("a", 5));
  s.put(msgs("b", 2).map((m, i) => ({ ...m, seq: 6 + i })));
  expect(s.read(1, 100).map((m) => `${m.seq}:${m.id}`)).toEqual(["1:a-0", "2:a-1", "3:a-2", "4:a-3", "5:a-4", "6:b-0", "7:b-1"]);
  s.skipTo(10);
  s.close();
  s = RingStore.open(dir);
  expect(s.lastSeq).toBe(10);
  expect(s.append(msgs("c", 1))).toBe(11);
  s.close();
});

test("a row whose bytes changed on disk fails its checksum: it is never read, the rows around it are", () => {
  const dir = tmpDir();
  const s = RingStore.open(dir);
  s.append(msgs("a", 5));
  s.flush();
  spoilStored(dir, 3);
  expect(s.read(1, 100).map((m) => m.seq)).toEqual([1, 2, 4, 5]);
  // A page that lost a row is still a whole page when more follow.
  expect(s.read(1, 3).map((m) => m.seq)).toEqual([1, 2, 4]);
  expect([...s.damagedSeqs]).toEqual([3]);
  s.close();
});

test("positions are saved and read back", () => {
  const dir = tmpDir();
  let s = RingStore.open(dir);
  expect(s.position("durable:x")).toBeUndefined();
  s.savePositions(
    new Map([
      ["durable:x", 7],
      ["group:g", 3],
    ]),
  );
  s.close();
  s = RingStore.open(dir);
  expect(s.position("durable:x")).toBe(7);
  expect(s.position("group:g")).toBe(3);
  s.close();
});

test("last-seen times are saved with the positions; a deleted position takes its time with it", () => {
  const dir = tmpDir();
  let s = RingStore.open(dir);
  s.savePositions(new Map([["durable:x", 7]]), new Map([["durable:x", 1234]]));
  s.close();
  s = RingStore.open(dir);
  expect(s.seenTimes()).toEqual(new Map([["durable:x", 1234]]));
  expect(s.deletePosition("durable:x")).toBe(true);
  expect(s.deletePosition("durable:x")).toBe(false);
  expect(s.position("durable:x")).toBeUndefined();
  expect(s.seenTimes().size).toBe(0);
  s.close();
});

test("timeOf gives when a held message was stored, undefined for one not held", () => {
  const s = RingStore.open(tmpDir());
  const seq = s.append([{ id: "a", origin: "A", content: "x" }], 5000);
  expect(s.timeOf(seq)).toBe(5000);
  s.flush();
  expect(s.timeOf(seq)).toBe(5000);
  expect(s.timeOf(seq + 1)).toBeUndefined();
  s.close();
});

test("messages are readable at once and written behind: many in one transaction, after a short delay, at WRITE_ROWS, or by flush()", async () => {
  const dir = tmpDir();
  const s = RingStore.open(dir);
  expect(s.append(msgs("a", 3))).toBe(1);
  expect(s.read(2, 10).map((m) => m.id)).toEqual(["a-1", "a-2"]);
  expect(s.unwritten).toBe(3);
  expect(onDisk(dir)).toEqual([]);
  // Written after the delay, with no other append.
  await waitFor(() => s.unwritten === 0, 10_000, "the delayed write");
  expect(onDisk(dir)).toEqual(["a-0", "a-1", "a-2"]);
  // A read spans what is on disk and what waits in memory.
  // One time for both: a millisecond passing between two Date.now() calls made the lookup
  // land after b's messages on a loaded machine.
  const later = Date.now() + 1000;
  s.append(msgs("b", 2), later);
  expect(s.read(3, 10).map((m) => m.id)).toEqual(["a-2", "b-0", "b-1"]);
  expect(s.seqAtTime(later)).toBe(4);
  expect(s.oldestSeq()).toBe(1);
  // A full batch goes at once.
  s.append(msgs("c", WRITE_ROWS));
  expect(s.unwritten).toBe(0);
  expect(onDisk(dir).length).toBe(5 + WRITE_ROWS);
  s.append(msgs("d", 1));
  s.close();
  expect(onDisk(dir).at(-1)).toBe("d-0");
});

test("a store that does not sync (fsync never) writes each append at once", () => {
  const dir = tmpDir();
  const s = RingStore.open(dir, { durable: false });
  s.append(msgs("a", 2));
  expect(s.unwritten).toBe(0);
  expect(onDisk(dir)).toEqual(["a-0", "a-1"]);
  s.close();
});

test("a write that fails keeps the messages in memory, readable and in order, and the next write takes them", () => {
  const dir = tmpDir();
  const writes = failingWrites();
  const s = RingStore.open(dir, { writeAt: writes.writeAt });
  s.append(msgs("a", 2));
  s.flush();
  writes.failing = true;
  s.append(msgs("b", WRITE_ROWS));
  expect(s.unwritten).toBe(WRITE_ROWS);
  expect(() => s.flush()).toThrow();
  expect(s.read(1, 4).map((m) => m.id)).toEqual(["a-0", "a-1", "b-0", "b-1"]);
  writes.failing = false;
  s.append(msgs("c", 1));
  expect(s.unwritten).toBe(0);
  const ids = onDisk(dir);
  expect(ids.length).toBe(3 + WRITE_ROWS);
  expect([ids[1], ids[2], ids.at(-1)]).toEqual(["a-1", "b-0", "c-0"]);
  s.close();
});
