// The logs of departed vassals (lib/emperor/departed_logs.ts): kept --log-keep-departed from
// their departure, the oldest removed first past --log-keep-departed-size; a supervised
// vassal's log is never touched.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import {
  DEPARTED_DEFAULTS,
  departedFlags,
  type DepartedLog,
  departedToRemove,
  markDeparted,
  sweepDeparted,
} from "../../lib/emperor/departed_logs.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const H = 3600_000;
const at = (name: string, departedAt: number, bytes = 10): DepartedLog => ({ name, files: [`${name}.log`], bytes, departedAt });

test("past the retention a log goes; over the size bound the oldest go first, until the rest fits", () => {
  const policy = { keepMs: 24 * H, maxBytes: 25 };
  const out = departedToRemove([at("old", 0), at("a", 10 * H), at("b", 20 * H), at("c", 30 * H)], 34 * H, policy);
  expect(out.map((o) => o.name)).toEqual(["old", "a"]);
  expect(out[0]!.why).toBe("departed 34.0h ago, over --log-keep-departed 24.0h");
  expect(out[1]!.why).toBe("the departed logs hold 30 bytes, over --log-keep-departed-size 25");
});

test("property: what stays is within the retention and the size bound, and every younger log removed for size was older than every one kept", () => {
  const log = fc.record({ name: fc.string({ minLength: 1, maxLength: 4 }), bytes: fc.nat(100), departedAt: fc.nat(100) });
  fc.assert(
    fc.property(fc.uniqueArray(log, { selector: (l) => l.name, maxLength: 12 }), fc.nat(120), fc.nat(300), (logs, keep, max) => {
      const all = logs.map((l) => ({ ...l, files: [] }));
      const now = 100;
      const gone = new Set(departedToRemove(all, now, { keepMs: keep, maxBytes: max }).map((o) => o.name));
      const kept = all.filter((l) => !gone.has(l.name));
      for (const l of kept) expect(now - l.departedAt).toBeLessThanOrEqual(keep);
      expect(kept.reduce((n, l) => n + l.bytes, 0)).toBeLessThanOrEqual(max);
      const young = all.filter((l) => gone.has(l.name) && now - l.departedAt <= keep);
      for (const y of young) for (const k of kept) expect(y.departedAt).toBeLessThanOrEqual(k.departedAt);
    }),
  );
});

test("sweep: a departed log and its rotated files are removed at the end of the retention; a supervised vassal's never", () => {
  const state = tmpDir("departed-");
  const logs = join(state, "logs");
  mkdirSync(logs, { recursive: true });
  for (const f of ["gone.toml.log", "gone.toml.log.1", "here.toml.log", "fresh.toml.log", "notes.txt"]) writeFileSync(join(logs, f), "x\n");
  const now = Date.now();
  const old = (now - 25 * H) / 1000;
  for (const f of ["gone.toml.log", "gone.toml.log.1", "here.toml.log", "fresh.toml.log"]) utimesSync(join(logs, f), old, old);
  // fresh.toml left just now: its quiet past does not count.
  markDeparted(state, "fresh.toml", now);
  const removed = sweepDeparted(state, DEPARTED_DEFAULTS, (name) => name === "here.toml", now);
  expect(removed).toEqual(["gone.toml"]);
  expect(
    ["gone.toml.log", "gone.toml.log.1", "here.toml.log", "fresh.toml.log", "notes.txt"].map((f) => existsSync(join(logs, f))),
  ).toEqual([false, false, true, true, true]);
});

test("the flags: durations and sizes, or a usage error saying what to give", () => {
  expect(departedFlags(undefined, undefined)).toEqual(DEPARTED_DEFAULTS);
  expect(departedFlags("2d", "500MB")).toEqual({ keepMs: 48 * H, maxBytes: 500_000_000 });
  expect(() => departedFlags("forever", undefined)).toThrow('--log-keep-departed "forever" is not a duration: give 30m, 24h or 7d');
  expect(() => departedFlags(undefined, "lots")).toThrow('--log-keep-departed-size "lots" is not a size: give 500MB or 1GB');
});
