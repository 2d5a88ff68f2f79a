// A term begins a slice of vassal files at a time: a zeus taking over 200 000 files (3.5 s of
// work on a quiet machine, 20 s under load) held its loop that long at once, its lease ran
// out meanwhile, and it was deposed and elected again, term after term, for minutes. A term
// no longer wanted stops between slices.
import { expect, test } from "bun:test";
import { systemClock } from "../../lib/clock.ts";
import { LeadershipTerm, type TermOptions } from "../../lib/zeus/leadership_term.ts";
import type { VassalSource } from "../../lib/zeus/vassal_source.ts";
import { turnsDuring } from "../helpers/loop_turns.ts";

const conf = new TextEncoder().encode(`[vassal]\ncommand = "/bin/sleep"\n`);

/** Vassal files held in memory: the directory's interface, without a directory. */
function filesOf(n: number): VassalSource {
  const names = new Set(Array.from({ length: n }, (_, i) => `v${i}.toml`));
  return {
    where: "memory",
    start: async () => {},
    names: () => names,
    has: (name) => names.has(name),
    read: (name) => (names.has(name) ? conf : undefined),
    rescan: () => {},
    put: async () => {},
    remove: async () => false,
    stop: () => {},
  };
}

function options(vassals: VassalSource): TermOptions {
  return {
    coordinator: { deadAfterMs: 5000, settleMs: 0, maxRejections: 3 },
    vassals,
    canAct: () => true,
    clock: systemClock,
    changed: () => {},
  };
}

test("a term of 5 000 files begins with every one, and the loop runs between its slices", async () => {
  const { value: term, turns } = await turnsDuring(LeadershipTerm.begin(options(filesOf(5000)), undefined));
  expect(term!.core.vassals.size).toBe(5000);
  expect(turns).toBeGreaterThanOrEqual(4); // 1 000 files a slice
});

test("a term no longer wanted stops between two slices and is not begun", async () => {
  let slices = 0;
  const term = await LeadershipTerm.begin(options(filesOf(5000)), undefined, () => ++slices < 2);
  expect(term).toBeUndefined();
  expect(slices).toBe(2);
});
