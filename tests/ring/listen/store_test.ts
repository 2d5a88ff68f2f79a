import { afterAll, expect, test } from "bun:test";
import { RingStore } from "../../../lib/ring/listen/store.ts";
import { removeTmpDirs, tmpDir } from "../../helpers/procs.ts";

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

test("repair adds what the journal holds and the store lacks, after its tail", () => {
  const s = RingStore.open(tmpDir());
  s.append(msgs("a", 5));
  const journalled = [...msgs("a", 5).slice(3), ...msgs("b", 2)];
  expect(s.repair(journalled)).toBe(2);
  expect(s.read(1, 100).map((m) => m.id)).toEqual(["a-0", "a-1", "a-2", "a-3", "a-4", "b-0", "b-1"]);
  expect(s.repair(journalled)).toBe(0);
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
