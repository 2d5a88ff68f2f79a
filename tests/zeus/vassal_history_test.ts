import { expect, test } from "bun:test";
import fc from "fast-check";
import { HISTORY_LINES, seenKey, seenRow, VassalHistory, vassalChanges } from "../../lib/zeus/vassal_history.ts";
import type { VassalStatusRow } from "../../lib/zeus/zeus_status.ts";

const row = (over: Partial<VassalStatusRow> = {}): VassalStatusRow => ({
  name: "web.toml",
  state: "running",
  copies: 1,
  emperors: [{ node: "e1", state: "running", pid: 10, restarts: 0 }],
  restarts: 0,
  moves: 0,
  sha256: "a".repeat(64),
  ...over,
});

test("a new vassal, a placement, a restart with its exit, a move and a config change read as lines", () => {
  expect(vassalChanges(undefined, row())).toEqual(["config added (sha256 aaaaaaaaaaaa, 1 wanted)", "copy placed on e1: running"]);
  const restarted = row({ emperors: [{ node: "e1", state: "running", pid: 11, restarts: 1, exit: "exit 3" }] });
  expect(vassalChanges(row(), restarted)).toEqual(["copy on e1 restarted (1 in all), last exit: exit 3"]);
  const moved = row({ moves: 1, emperors: [{ node: "e2", state: "offered", pid: 0, restarts: 0 }], state: "placing" });
  expect(vassalChanges(row(), moved)).toEqual([
    "state running → placing",
    "copy placed on e2: offered",
    "copy on e1 gone",
    "moved off a lost emperor (1 moves in all)",
  ]);
  expect(vassalChanges(row(), row({ sha256: "b".repeat(64) }))).toEqual(["config changed: sha256 aaaaaaaaaaaa → bbbbbbbbbbbb"]);
  expect(vassalChanges(row(), row())).toEqual([]);
});

test("rollout steps are lines as they move", () => {
  const r = (updated: number, state = "rolling") => row({ rollout: { state, updated, total: 3, waiting: [] } });
  expect(vassalChanges(row(), r(0))).toEqual(["rollout rolling: 0/3 updated"]);
  expect(vassalChanges(r(0), r(0))).toEqual([]);
  expect(vassalChanges(r(2), r(3, "done"))).toEqual(["rollout done: 3/3 updated"]);
});

test("the history keeps the last lines of each vassal, and forgets a vassal that is gone", () => {
  const h = new VassalHistory();
  for (let i = 0; i <= HISTORY_LINES + 10; i++) h.observe([row({ emperors: [{ node: "e1", state: "running", pid: i, restarts: i }] })], i);
  expect(h.of("web.toml").length).toBe(HISTORY_LINES);
  expect(h.of("web.toml").at(-1)!.text).toContain(`restarted (${HISTORY_LINES + 10} in all)`);
  h.observe([], 999);
  expect(h.of("web.toml")).toEqual([]);
});

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const arbRow: fc.Arbitrary<VassalStatusRow> = fc.record({
  name: fc.constant("web.toml"),
  state: fc.constantFrom("running", "placing", "pending", "failed"),
  copies: fc.integer({ min: 0, max: 3 }),
  emperors: fc.uniqueArray(
    fc.record({
      node: fc.constantFrom("e1", "e2", "e3"),
      state: fc.constantFrom("running", "offered", "moving"),
      pid: fc.integer({ min: 0, max: 5 }),
      restarts: fc.integer({ min: 0, max: 3 }),
      health: maybe(fc.constantFrom("healthy", "unhealthy")),
      exit: maybe(fc.constant("exit 3")),
    }),
    { selector: (c) => c.node, maxLength: 3 },
  ),
  restarts: fc.constant(0),
  moves: fc.integer({ min: 0, max: 2 }),
  error: maybe(fc.string({ maxLength: 8 })),
  note: maybe(fc.string({ maxLength: 8 })),
  rollout: maybe(
    fc.record({
      state: fc.constantFrom("rolling", "done"),
      updated: fc.integer({ min: 0, max: 3 }),
      total: fc.integer({ min: 0, max: 3 }),
      waiting: fc.constant([]),
    }),
  ),
  sha256: maybe(fc.constantFrom("a".repeat(64), "b".repeat(64))),
});

test("a row kept as its key reads the same changes as the row itself", () => {
  fc.assert(
    fc.property(arbRow, arbRow, (before, after) => {
      expect(vassalChanges(seenRow(seenKey(before)), after)).toEqual(vassalChanges(before, after));
      expect(seenKey(seenRow(seenKey(before)))).toBe(seenKey(before));
    }),
  );
});

test("lines come back as written, newlines and quotes in them too, and an unchanged row adds none", () => {
  const h = new VassalHistory();
  const failing = row({ state: "failed", error: 'bad "x"\nline two 🙂' });
  h.observe([row()], 1);
  h.observe([row()], 2);
  h.observe([failing], 3);
  expect(h.of("web.toml")).toEqual([
    { at: 1, text: "config added (sha256 aaaaaaaaaaaa, 1 wanted)" },
    { at: 1, text: "copy placed on e1: running" },
    { at: 3, text: 'state running → failed: bad "x"\nline two 🙂' },
  ]);
});

test("a round read in slices (take each slice, then forget the vassals gone) records what one observe records, and forgets only at its end", () => {
  const rows = (restarts: number) =>
    Array.from({ length: 7 }, (_, i) =>
      row({ name: `v${i}.toml`, emperors: [{ node: "e1", state: "running", pid: 10 + restarts, restarts }] }),
    );
  const whole = new VassalHistory();
  const sliced = new VassalHistory();
  const live = new Set(rows(0).map((r) => r.name));
  for (const [at, restarts] of [
    [1000, 0],
    [2000, 1],
  ] as const) {
    whole.observe(rows(restarts), at);
    for (let i = 0; i < 7; i += 3) sliced.take(rows(restarts).slice(i, i + 3), at);
    sliced.forget((name) => live.has(name));
  }
  for (let i = 0; i < 7; i++) expect(sliced.of(`v${i}.toml`)).toEqual(whole.of(`v${i}.toml`));
  expect(sliced.of("v6.toml").map((l) => l.at)).toEqual([1000, 1000, 2000]);
  // A round that has taken one slice has forgotten nobody yet; its end forgets the vassals gone.
  live.delete("v6.toml");
  sliced.take(rows(1).slice(0, 3), 3000);
  expect(sliced.of("v6.toml")).toHaveLength(3);
  sliced.forget((name) => live.has(name));
  expect(sliced.of("v6.toml")).toEqual([]);
  expect(sliced.of("v0.toml")).toHaveLength(3);
});

test("property: lines are kept coded (times in base 36, their common words as single characters) and come back as written, whatever they hold", () => {
  const words = fc.constantFrom(
    "copy on ",
    "copy placed on ",
    " → ",
    "running",
    "state ",
    "\u0001",
    "\u000e",
    "\n",
    '"',
    "\\u2192",
    "🙂",
    "x",
  );
  fc.assert(
    fc.property(fc.array(fc.string({ unit: words, maxLength: 12 }), { minLength: 1, maxLength: 4 }), fc.nat(), (texts, at) => {
      const h = new VassalHistory();
      h.observe([row()], at);
      texts.forEach((text, i) => h.observe([row({ note: `${i}:${text}` })], at + i + 1));
      const lines = h.of("web.toml");
      expect(lines.slice(2).map((l) => l.text)).toEqual(texts.map((t, i) => `waits: ${i}:${t}`));
      expect(lines.slice(2).map((l) => l.at)).toEqual(texts.map((_, i) => at + i + 1));
    }),
  );
});

test("a config change is read off the digest's first 16 characters, which the key keeps (not all 64)", () => {
  const before = row();
  const after = row({ sha256: `${"a".repeat(16)}${"b".repeat(48)}` });
  expect(vassalChanges(before, after)).toEqual([]);
  expect(seenKey(before)).not.toContain("a".repeat(17));
  expect(vassalChanges(before, row({ sha256: `b${"a".repeat(63)}` }))).toEqual(["config changed: sha256 aaaaaaaaaaaa → baaaaaaaaaaa"]);
});
