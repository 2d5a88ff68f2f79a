import { afterAll, expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type DirChanges, DirWatcher, diffSnapshots, type Snapshot } from "../../lib/watch/mod.ts";
import { removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { turnsDuring } from "../helpers/loop_turns.ts";

afterAll(removeTmpDirs);

const st = (hash: number, mtimeMs = 1) => ({ mtimeMs, size: 1, hash });

test("diffSnapshots tells added, changed, touched and removed apart", () => {
  const prev: Snapshot = new Map([
    ["a", st(1)],
    ["b", st(2)],
    ["c", st(3)],
    ["d", st(4)],
  ]);
  const next: Snapshot = new Map([
    ["a", st(1)],
    ["b", st(9)],
    ["c", st(3, 2)],
    ["e", st(5)],
  ]);
  expect(diffSnapshots(prev, next)).toEqual({ added: ["e"], changed: ["b"], touched: ["c"], removed: ["d"] });
});

test("DirWatcher sees add, edit, touch and remove through events, ignoring other files", async () => {
  const dir = tmpDir();
  writeFileSync(join(dir, "old.ini"), "[uwsgi]\n");
  const seen: DirChanges[] = [];
  const w = new DirWatcher(dir, { match: (n) => /\.(ini|toml)$/.test(n), onChange: (c) => seen.push(c), rescanMs: 60_000 });
  w.start();
  expect(seen.shift()).toEqual({ added: ["old.ini"], changed: [], touched: [], removed: [] });
  const next = async (): Promise<DirChanges> => await waitFor(() => seen.shift(), 2000, "a change event");

  writeFileSync(join(dir, "new.toml"), "[vassal]\n");
  writeFileSync(join(dir, "notes.txt"), "ignored");
  expect((await next()).added).toEqual(["new.toml"]);
  writeFileSync(join(dir, "new.toml"), "[vassal]\ncommand = 'x'\n");
  expect((await next()).changed).toEqual(["new.toml"]);
  utimesSync(join(dir, "old.ini"), new Date(), new Date(Date.now() + 5000));
  expect((await next()).touched).toEqual(["old.ini"]);
  rmSync(join(dir, "old.ini"));
  expect((await next()).removed).toEqual(["old.ini"]);
  w.stop();
});

test("an event naming a file reads that file alone; one naming none, or the safety net, rescans the folder", async () => {
  const dir = tmpDir();
  writeFileSync(join(dir, "a.toml"), "[vassal]\n");
  const seen: DirChanges[] = [];
  const w = new DirWatcher(dir, { match: (n) => n.endsWith(".toml"), onChange: (c) => seen.push(c), rescanMs: 60_000 });
  w.start();
  seen.length = 0;
  // Written behind the watcher's back (no event reaches it for b.toml): a look at a.toml alone does not find it.
  writeFileSync(join(dir, "b.toml"), "[vassal]\n");
  writeFileSync(join(dir, "a.toml"), "[vassal]\ncommand = 'x'\n");
  w.stop();
  w.scanNames(["a.toml", "gone.toml", "notes.txt"]);
  expect(seen).toEqual([{ added: [], changed: ["a.toml"], touched: [], removed: [] }]);
  expect([...w.snapshot.keys()]).toEqual(["a.toml"]);
  rmSync(join(dir, "a.toml"));
  w.scanNames(["a.toml"]);
  expect(seen[1]).toEqual({ added: [], changed: [], touched: [], removed: ["a.toml"] });
  w.scan();
  expect(seen[2]).toEqual({ added: ["b.toml"], changed: [], touched: [], removed: [] });
  expect([...w.snapshot.keys()]).toEqual(["b.toml"]);
});

test("a burst of events is read sliceFiles files per turn of the event loop, every file reported", async () => {
  const dir = tmpDir();
  const seen: DirChanges[] = [];
  const w = new DirWatcher(dir, { match: (n) => n.endsWith(".toml"), onChange: (c) => seen.push(c), rescanMs: 60_000, sliceFiles: 10 });
  w.start();
  for (let i = 0; i < 45; i++) writeFileSync(join(dir, `v${i}.toml`), "[vassal]\n");
  await waitFor(() => seen.flatMap((c) => c.added).length === 45, 5000, "all 45 files reported");
  w.stop();
  expect(Math.max(...seen.map((c) => c.added.length))).toBeLessThanOrEqual(10);
  expect(new Set(seen.flatMap((c) => c.added)).size).toBe(45);
});

test("the sliced rescan yields to the event loop between slices and reports the folder once", async () => {
  const dir = tmpDir();
  for (let i = 0; i < 35; i++) writeFileSync(join(dir, `v${i}.toml`), "[vassal]\n");
  const seen: DirChanges[] = [];
  const w = new DirWatcher(dir, { match: (n) => n.endsWith(".toml"), onChange: (c) => seen.push(c), sliceFiles: 10 });
  const { turns } = await turnsDuring(w.scanSliced());
  expect(turns).toBeGreaterThanOrEqual(2); // 35 files, 10 a slice: 3 yields, counted from the first
  expect(seen.length).toBe(1);
  expect(seen[0]!.added.length).toBe(35);
});

test("a file an event named during a sliced rescan keeps the newer state the event read", async () => {
  const dir = tmpDir();
  const names = Array.from({ length: 30 }, (_, i) => `v${i}.toml`);
  for (const n of names) writeFileSync(join(dir, n), "[vassal]\n");
  const seen: DirChanges[] = [];
  const w = new DirWatcher(dir, { match: (n) => n.endsWith(".toml"), onChange: (c) => seen.push(c), sliceFiles: 10 });
  w.scan();
  seen.length = 0;
  const rescan = w.scanSliced(); // the first slice is looked at now, the rest after a turn
  for (const n of names) writeFileSync(join(dir, n), "[vassal]\ncommand = 'x'\n");
  w.scanNames(names);
  await rescan;
  expect(seen.map((c) => ({ ...c, changed: c.changed.sort() }))).toEqual([{ added: [], changed: names.sort(), touched: [], removed: [] }]);
  const size = Buffer.byteLength("[vassal]\ncommand = 'x'\n");
  expect([...w.snapshot.values()].every((s) => s.size === size)).toBe(true);
});

test("a rescan keeps the snapshot's own name strings: no second string a file besides the one its user holds", async () => {
  const dir = tmpDir();
  const files = 20_000;
  for (let i = 0; i < files; i++) writeFileSync(join(dir, `v${i}.toml`), "[vassal]\n");
  /** The names as first reported, held as zeus's records hold them. */
  const held: string[] = [];
  const w = new DirWatcher(dir, { match: (n) => n.endsWith(".toml"), onChange: (c) => held.push(...c.added), rescanMs: 600_000 });
  w.start();
  expect(held).toHaveLength(files);
  const strings = () => {
    Bun.gc(true);
    return heapStats().objectTypeCounts.string ?? 0;
  };
  const before = strings();
  await w.scanSliced();
  await w.scanSliced();
  w.stop();
  // A listing's strings are garbage once the rescan is over; with the listing's strings as the
  // snapshot's keys, each of the 20 000 files kept two. The collector scans the stack
  // conservatively: a word left there can keep the last listing alive for a moment (17 962
  // strings once, in a full suite under load), so the fewest of readings a turn apart count.
  let after = Infinity;
  for (let i = 0; i < 3; i++) {
    await new Promise((turn) => setImmediate(turn));
    after = Math.min(after, strings());
  }
  expect(after - before).toBeLessThan(files / 10);
});
