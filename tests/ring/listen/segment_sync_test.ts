import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { readdirSync, readlinkSync } from "node:fs";
import { SegmentLog } from "../../../lib/ring/listen/segment_log.ts";
import { removeTmpDirs, tmpDir } from "../../helpers/procs.ts";

afterAll(() => removeTmpDirs());

/** What descriptor `fd` of this process has open (a path). */
const target = (fd: number) => readlinkSync(`/proc/self/fd/${fd}`);

/** Paths under `dir` this process has open. */
function openUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const p = target(Number(fd));
      if (p === dir || p.startsWith(`${dir}/`)) out.push(p);
    } catch {
      // closed meanwhile (the readdir's own descriptor)
    }
  }
  return out.sort();
}

const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ seq: from + i, ts: 1, id: `i${from + i}`, origin: "MV", content: "x".repeat(40) }));

/** Steps: append a batch of n records, or take a sync that ends (ok or failing) now or later. */
const steps = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant("append" as const), n: fc.integer({ min: 1, max: 30 }) }),
    fc.record({ kind: fc.constant("sync" as const), ok: fc.boolean(), everything: fc.boolean(), later: fc.boolean() }),
  ),
  { minLength: 1, maxLength: 40 },
);

test("a closed segment and the new one's folder entry wait for a sync that ends well: every written segment is in one, every descriptor closed after", () => {
  fc.assert(
    fc.property(steps, (ss) => {
      const dir = tmpDir();
      const log = SegmentLog.open(dir, { segmentBytes: 600, deferSync: true });
      let seq = 1;
      /** Segments (and the folder) written or made since a sync covering them ended well. */
      const dirty = new Set<string>();
      const later: { paths: string[]; synced: (ok: boolean) => void; ok: boolean }[] = [];
      for (const s of ss) {
        if (s.kind === "append") {
          const before = log.segments.length;
          log.append(rows(seq, s.n));
          seq += s.n;
          dirty.add(log.segments.at(-1)!.path);
          if (log.segments.length > before) dirty.add(dir);
          continue;
        }
        const set = log.takeSync(s.everything);
        const paths = set ? set.fds.map(target) : [];
        // A sync taken now holds every dirty file no sync still running holds.
        const running = new Set(later.flatMap((l) => l.paths));
        for (const p of dirty) if (!running.has(p) || s.everything) expect(paths).toContain(p);
        if (!set) continue;
        if (s.later) later.push({ paths, synced: set.synced, ok: s.ok });
        else {
          set.synced(s.ok);
          if (s.ok) for (const p of paths) dirty.delete(p);
        }
      }
      for (const l of later.splice(0)) {
        l.synced(l.ok);
        if (l.ok) for (const p of l.paths) dirty.delete(p);
      }
      log.sync();
      // Only the newest segment is still open (once written), until the log closes.
      expect(openUnder(dir)).toEqual(log.fd === undefined ? [] : [log.segments.at(-1)!.path]);
      log.close();
      expect(openUnder(dir)).toEqual([]);
    }),
    { numRuns: 60 },
  );
});

test("without deferSync a full segment is synced and closed at once: nothing waits for a sync", () => {
  const dir = tmpDir();
  const log = SegmentLog.open(dir, { segmentBytes: 600 });
  for (let i = 0; i < 10; i++) log.append(rows(1 + i * 20, 20));
  expect(log.segments.length).toBeGreaterThan(2);
  expect(openUnder(dir)).toEqual([log.segments.at(-1)!.path]);
  expect(log.takeSync()?.fds.map(target)).toEqual([log.segments.at(-1)!.path]);
  log.close();
});
