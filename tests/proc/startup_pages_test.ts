import { expect, test } from "bun:test";
import { getLogger } from "../../lib/log/mod.ts";
import fc from "fast-check";
import { cleanRanges, DEEP_TRIM_CHECKS, REGROWN_KIB, regrown, trimWhenIdle } from "../../lib/proc/startup_pages.ts";

const mapping = (span: string, perms: string, path: string, own = 0, inode = path.includes("zog") ? 1234 : 99, dirty = own) =>
  `${span} ${perms} 00000000 fd:00 ${inode}                       ${path}
Size:               1024 kB
Rss:                 512 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:       512 kB
Private_Dirty:       ${dirty} kB
Anonymous:           ${own} kB
VmFlags: rd ex mr mw me sd`;

/** Waits until `cond` holds (at most 5 s; the test's expectations then say what did not happen). */
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond() && Date.now() < deadline) await Bun.sleep(5); // polling interval of the condition
}

test("only read-only mappings of the executable itself, with no page of the process's own, are dropped", () => {
  const smaps = [
    mapping("400000-600000", "r--p", "/opt/zog bin/zog"),
    // Written to disk moments ago (a fresh build): its page-cache pages are dirty, not the process's own.
    mapping("600000-2600000", "r-xp", "/opt/zog bin/zog", 0, 1234, 8),
    // Relocated data: written once at start, read-only since; dropping it would lose the writes.
    mapping("2600000-2800000", "r--p", "/opt/zog bin/zog", 64),
    mapping("2800000-2900000", "rw-p", "/opt/zog bin/zog"),
    mapping("7f0000000000-7f0000100000", "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    mapping("7f0000200000-7f0000300000", "rw-p", "", 0, 0),
  ].join("\n");
  expect(cleanRanges(smaps, 1234)).toEqual([
    { start: 0x400000n, end: 0x600000n },
    { start: 0x600000n, end: 0x2600000n },
  ]);
  expect(cleanRanges(smaps, 5678)).toEqual([]);
});

test("an executable replaced on disk while it runs is still recognised, by its inode", () => {
  const smaps = mapping("600000-2600000", "r-xp", "/usr/local/bin/zog (deleted)");
  expect(cleanRanges(smaps, 1234)).toEqual([{ start: 0x600000n, end: 0x2600000n }]);
});

test("a daemon that goes quiet after work releases its caches once, not while busy and not again until it works again", async () => {
  let work = 0;
  let busy = true;
  let released = 0;
  // While busy, every check sees the counter moved.
  const stop = trimWhenIdle(getLogger("test"), () => (busy ? ++work : work), { release: () => void released++, everyMs: 20 });
  try {
    await until(() => work >= 5);
    busy = false;
    expect(released).toBe(0);
    await until(() => released > 0);
    expect(released).toBe(1);
    await Bun.sleep(100); // five more quiet checks: released once per quiet period
    expect(released).toBe(1);
    work++;
    await until(() => released > 1);
    expect(released).toBe(2);
  } finally {
    stop();
  }
});

test("after a check that found work the next comes busyMs later: the end of work is found without waiting for a quiet check", async () => {
  let work = 0;
  let busy = true;
  let released = 0;
  let checks = 0;
  const everyMs = 400;
  const stop = trimWhenIdle(getLogger("test"), () => (checks++, busy ? ++work : work), {
    release: () => void released++,
    everyMs,
    busyMs: 10,
  });
  try {
    await until(() => checks >= 2); // the first check comes everyMs after the start; it found work
    busy = false;
    const quietAt = performance.now();
    await until(() => released > 0);
    expect(released).toBe(1);
    // Found at the next busy check (10 ms), not at an idle one (400 ms).
    expect(performance.now() - quietAt).toBeLessThan(everyMs - 100);
  } finally {
    stop();
  }
});

test("still quiet DEEP_TRIM_CHECKS checks after the first trim, the engine shrinks once per quiet period, never while busy", async () => {
  let work = 0;
  let busy = true;
  let checks = 0;
  let released = 0;
  let shrunk = 0;
  let checksAtRelease = 0;
  let checksAtShrink = 0;
  const stop = trimWhenIdle(getLogger("test"), () => (checks++, busy ? ++work : work), {
    release: () => void (released++, (checksAtRelease = checks)),
    everyMs: 20,
    shrink: () => void (shrunk++, (checksAtShrink = checks)),
  });
  try {
    await until(() => work >= DEEP_TRIM_CHECKS + 3);
    expect(shrunk).toBe(0);
    busy = false;
    await until(() => shrunk > 0);
    expect(shrunk).toBe(1);
    expect(released).toBe(1);
    expect(checksAtShrink - checksAtRelease).toBe(DEEP_TRIM_CHECKS);
    await until(() => checks >= checksAtShrink + DEEP_TRIM_CHECKS + 2);
    expect(shrunk).toBe(1);
    work++;
    await until(() => shrunk > 1);
    expect(shrunk).toBe(2);
    expect(released).toBe(2);
  } finally {
    stop();
  }
});

test("an engine that cannot shrink is reported, and the daemon's checks go on", async () => {
  let checks = 0;
  let busy = true;
  let tried = 0;
  const stop = trimWhenIdle(getLogger("test"), () => (checks++, busy ? checks : 0), {
    everyMs: 20,
    shrink: () => {
      tried++;
      throw new TypeError("Bun.shrink is not a function");
    },
  });
  try {
    await until(() => checks >= 3);
    busy = false;
    await until(() => tried > 0);
    const after = checks;
    await until(() => checks >= after + 3);
    expect(tried).toBe(1);
    expect(checks).toBeGreaterThanOrEqual(after + 3);
  } finally {
    stop();
  }
});

test("regrown: the executable's pages are dropped again once REGROWN_KIB came back since the last drop, never before the first", () => {
  fc.assert(
    fc.property(fc.nat(1 << 20), fc.nat(1 << 20), (now, after) => {
      expect(regrown(now, after)).toBe(now - after >= REGROWN_KIB);
    }),
  );
  expect(regrown(30_000, Number.NaN)).toBe(false);
});

test("a quiet daemon drops its pages again at the checks where they came back, never while busy", async () => {
  let work = 0;
  let busy = true;
  let checks = 0;
  let file = 20_000;
  let afterDrop = 20_000;
  const drops: number[] = [];
  const stop = trimWhenIdle(getLogger("test"), () => (checks++, busy ? ++work : work), {
    everyMs: 20,
    shrink: () => {},
    dropAgain: {
      fileKiB: () => file,
      afterDropKiB: () => afterDrop,
      drop: async () => void (drops.push(checks), (file = afterDrop = 18_000)),
    },
  });
  try {
    file = 40_000;
    await until(() => checks >= 5);
    expect(drops).toEqual([]);
    busy = false;
    // The first quiet check trims (its own drop, not counted here); the one after drops again.
    await until(() => drops.length === 1);
    const at = checks;
    await until(() => checks >= at + 3);
    expect(drops.length).toBe(1);
    file = 18_000 + REGROWN_KIB - 1;
    await until(() => checks >= at + 6);
    expect(drops.length).toBe(1);
    file = 18_000 + REGROWN_KIB;
    await until(() => drops.length === 2);
  } finally {
    stop();
  }
});
