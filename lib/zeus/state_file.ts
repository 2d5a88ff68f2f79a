/**
 * The coordinator's state file (`--state FILE`, seed 003): emperors and assignments,
 * written atomically on every change and loaded by `zeus --restore` after a crash.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic, writeFileAtomicAsync } from "../fs/mod.ts";
import type { DrainProgress, RolloutRecord } from "./records.ts";
import { errCode } from "../errors.ts";
import { nextTurn } from "../clock.ts";

/** One copy of a vassal on one emperor, as saved. */
export interface SavedAssignment {
  node: string;
  pid: number;
  restarts: number;
  /**
   * "moving": being replaced because its emperor drains; it must stay until its replacement
   * has run well, even across a restart. Other states are learnt again from the emperor's report.
   */
  state?: "moving";
}

/** A vassal as saved: its copies, and its rolling update's state, so a restart resumes or keeps it. */
export interface SavedVassal {
  name: string;
  sha256: string;
  copies: number;
  assignments: SavedAssignment[];
  /** The rolling update under way or the last one (its `waiting` is learnt again). Fleet-operation fields from here on. */
  rollout?: RolloutRecord;
  /** The last config every copy ran well, base64: where auto_revert goes back to (the directory holds only the newest). */
  lastGood?: { sha256: string; body: string };
  /** The file's digest its copies were reverted from: not rolled out again until it changes. */
  revertedFrom?: string;
  /** Why it failed (rejected or rescheduled too often): it stays failed until its file changes. */
  failed?: string;
  /** `zeus stop`: it stays stopped until `zeus start`. */
  stopped?: boolean;
}

/**
 * A drain's progress, deadline (wall-clock ms) and end, as saved: the record's fields but its
 * blocked reasons, which are judged again after a restart. `stopped` is absent when none was
 * stopped, or in a state an older zeus saved.
 */
export type SavedDrain = Omit<DrainProgress, "blocked" | "said">;

/**
 * Everything zeus needs to resume. Config bodies are not saved (the vassals directory holds
 * them), except each vassal's last good config.
 */
export interface ZeusState {
  version: 1;
  /** ISO time of the save. */
  savedAt: string;
  /** `draining` is set while `zeus drain` holds (kept across restarts). */
  emperors: { node: string; maxVassals: number; lastSeen: number; draining?: boolean; drain?: SavedDrain }[];
  vassals: SavedVassal[];
  /** Copies zeus asked an emperor to destroy and has not heard back about. */
  destroying: { node: string; name: string }[];
  /**
   * A single zeus's leadership term: one more at each start, saved before its first
   * command, which carries it (emperors refuse an older one: lib/emperor/fence.ts).
   */
  term?: number;
}

/**
 * Writes `state` to `path` atomically: a temp file beside it, fsync, rename, fsync of the folder.
 * A crash at any point leaves either the old file or the new one, whole.
 *
 * @throws {Error} when the folder is not writable
 * @example
 * ```ts
 * saveState("/var/lib/zeus/state.json", core.snapshot());
 * ```
 */
export function saveState(path: string, state: ZeusState): void {
  writeFileAtomic(path, JSON.stringify(state), { mode: 0o600, durable: true });
}

/**
 * {@link saveState} with its writes and fsyncs off the event loop (zeus's file store): the
 * state of 100 000 copies is tens of MB, and its write and fsync held zeus's loop, which
 * then read no heartbeat. Resolves once the file is durable.
 *
 * @throws {Error} when the folder is not writable
 * @example
 * ```ts
 * await saveStateAsync("/var/lib/zeus/state.json", core.snapshot());
 * ```
 */
export async function saveStateAsync(path: string, state: ZeusState): Promise<void> {
  await writeFileAtomicAsync(path, await stateText(state), { mode: 0o600, durable: true });
}

/**
 * `JSON.stringify(state)`, its vassals serialised `slice` at a time, one slice per turn of
 * the event loop (a state of 100 000 copies is tens of MB of text).
 *
 * @example
 * ```ts
 * declare const state: ZeusState;
 * (await stateText(state)) === JSON.stringify(state); // true
 * ```
 */
export async function stateText(state: ZeusState, slice = 5000): Promise<string> {
  const parts: string[] = [];
  for (let i = 0; i < state.vassals.length; i += slice) {
    if (i > 0) await nextTurn();
    parts.push(JSON.stringify(state.vassals.slice(i, i + slice)).slice(1, -1));
  }
  // Node names and digests hold no quote: the first `"vassals":[]` is the key itself.
  const [before, after] = JSON.stringify({ ...state, vassals: [] }).split(/(?<="vassals":\[)(?=\])/);
  return `${before}${parts.join(",")}${after}`;
}

function fail(path: string, what: string): never {
  throw new SyntaxError(`state file ${path}: ${what}`);
}

/**
 * Reads a state file; `undefined` when it does not exist.
 *
 * @throws {SyntaxError} naming the file when it is not a zeus state file
 * @example
 * ```ts
 * const state = loadState("/var/lib/zeus/state.json");
 * ```
 */
export function loadState(path: string): ZeusState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (errCode(e) === "ENOENT") return undefined;
    throw new Error(`cannot read state file ${path}: ${errCode(e)}`, { cause: e });
  }
  let doc: ZeusState;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail(path, `not JSON: ${(e as Error).message}`);
  }
  if (doc?.version !== 1) fail(path, `version ${JSON.stringify(doc?.version)} is not 1`);
  if (!Array.isArray(doc.emperors) || !Array.isArray(doc.vassals) || !Array.isArray(doc.destroying)) {
    fail(path, "lacks the emperors, vassals or destroying lists");
  }
  if (doc.term !== undefined && !(Number.isSafeInteger(doc.term) && doc.term >= 0))
    fail(path, `term ${JSON.stringify(doc.term)} is not a non-negative integer`);
  for (const v of doc.vassals) {
    if (typeof v?.name !== "string" || typeof v.sha256 !== "string" || !Array.isArray(v.assignments)) {
      fail(path, `vassal entry ${JSON.stringify(v).slice(0, 80)} is malformed`);
    }
    const why = savedRolloutProblem(v);
    if (why) fail(path, `vassal ${v.name}: ${why}`);
  }
  return doc;
}

const ROLLOUT_STATES = new Set(["rolling", "done", "failed", "reverted"]);

/**
 * What is wrong with a saved vassal's fleet-operation fields (rollout, lastGood,
 * revertedFrom, failed, stopped), or undefined when they are well formed (absent, or of the right
 * types). The file and etcd stores refuse a malformed one; a restore drops one that got through.
 *
 * @example
 * ```ts
 * savedRolloutProblem({ name: "a", sha256: "x", copies: 1, assignments: [], lastGood: { sha256: "y", body: 3 as unknown as string } });
 * // "lastGood is not { sha256, body (base64) }"
 * ```
 */
export function savedRolloutProblem(v: SavedVassal): string | undefined {
  const r = v.rollout as Partial<RolloutRecord> | undefined;
  if (
    r !== undefined &&
    (typeof r?.target !== "string" || !ROLLOUT_STATES.has(r.state as string) || !Number.isInteger(r.updated) || !Number.isInteger(r.total))
  )
    return "rollout is not { target, state (rolling|done|failed|reverted), updated, total }";
  const g = v.lastGood as { sha256?: unknown; body?: unknown } | undefined;
  if (g !== undefined && (typeof g?.sha256 !== "string" || typeof g.body !== "string")) return "lastGood is not { sha256, body (base64) }";
  if (v.revertedFrom !== undefined && typeof v.revertedFrom !== "string") return "revertedFrom is not a digest";
  if (v.failed !== undefined && typeof v.failed !== "string") return "failed is not a reason";
  if (v.stopped !== undefined && typeof v.stopped !== "boolean") return "stopped is not true or false";
  return undefined;
}

/**
 * The term a single zeus starting from `state` leads in: one more than the saved one (1
 * without a saved state), so that its commands beat those of any zeus that ran on this
 * state file before it.
 *
 * @example
 * ```ts
 * nextTerm(undefined); // 1
 * nextTerm({ version: 1, savedAt: "", emperors: [], vassals: [], destroying: [], term: 4 }); // 5
 * ```
 */
export function nextTerm(state: ZeusState | undefined): number {
  return (state?.term ?? 0) + 1;
}
