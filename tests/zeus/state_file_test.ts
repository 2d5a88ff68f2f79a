import { afterAll, expect, test } from "bun:test";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadState, nextTerm, saveState, saveStateAsync, stateText, type ZeusState } from "../../lib/zeus/state_file.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";
import { turnsDuring } from "../helpers/loop_turns.ts";

afterAll(removeTmpDirs);

const state: ZeusState = {
  version: 1,
  savedAt: "2026-01-01T00:00:00.000Z",
  emperors: [{ node: "e1", maxVassals: 10, lastSeen: 5 }],
  vassals: [{ name: "a.toml", sha256: "0".repeat(64), copies: 1, assignments: [{ node: "e1", pid: 42, restarts: 0 }] }],
  destroying: [{ node: "e1", name: "gone.ini" }],
};

test("saved state loads back, and no temp file is left beside it", () => {
  const dir = tmpDir();
  const path = join(dir, "state.json");
  expect(loadState(path)).toBeUndefined();
  saveState(path, state);
  saveState(path, { ...state, savedAt: "later" });
  expect(loadState(path)).toEqual({ ...state, savedAt: "later" });
  expect(readdirSync(dir)).toEqual(["state.json"]);
});

test("saved off the event loop: the loop turns while a large state is written; it loads back, private, no temp file left", async () => {
  const dir = tmpDir();
  const path = join(dir, "state.json");
  const big: ZeusState = {
    ...state,
    vassals: Array.from({ length: 20_000 }, (_, i) => ({ ...state.vassals[0]!, name: `v${i}.toml` })),
  };
  const { turns } = await turnsDuring(saveStateAsync(path, big));
  expect(turns).toBeGreaterThan(0);
  expect(loadState(path)).toEqual(big);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(readdirSync(dir)).toEqual(["state.json"]);
});

test("the state's text made a slice of vassals per turn is JSON.stringify's, whatever the slice", async () => {
  const many: ZeusState = {
    ...state,
    term: 7,
    vassals: Array.from({ length: 12 }, (_, i) => ({ ...state.vassals[0]!, name: `v"vassals":[]${i}.toml` })),
  };
  for (const s of [many, { ...many, vassals: [] }, state])
    for (const slice of [1, 5, 12, 100]) expect(await stateText(s, slice)).toBe(JSON.stringify(s));
  const { turns } = await turnsDuring(stateText(many, 5));
  expect(turns).toBeGreaterThanOrEqual(1); // 3 slices: the loop ran between them
});

test("a file that is not a state file is refused with its name", () => {
  const path = join(tmpDir(), "state.json");
  writeFileSync(path, "{oops");
  expect(() => loadState(path)).toThrow(`state file ${path}: not JSON`);
  writeFileSync(path, JSON.stringify({ version: 7 }));
  expect(() => loadState(path)).toThrow("version 7 is not 1");
});

test("a single zeus's term: one more than the saved one, kept in the file; a bad one is refused", () => {
  expect(nextTerm(undefined)).toBe(1);
  expect(nextTerm(state)).toBe(1);
  const path = join(tmpDir(), "state.json");
  saveState(path, { ...state, term: 41 });
  expect(nextTerm(loadState(path))).toBe(42);
  writeFileSync(path, JSON.stringify({ ...state, term: -3 }));
  expect(() => loadState(path)).toThrow("term -3 is not a non-negative integer");
});
