/**
 * The coordinator's records to and from the saved {@link ZeusState} (pure: no file here;
 * state_file.ts and the etcd store keep it).
 *
 * @module
 */
import { sha256Hex } from "../zeus_protocol/mod.ts";
import { type DrainProgress, type EmperorRecord, emperorOf, newCopy, newVassal, type VassalRecord } from "./records.ts";
import { type SavedDrain, savedRolloutProblem, type SavedVassal, type ZeusState } from "./state_file.ts";
import { nextTurn } from "../clock.ts";
import type { ConfigStore } from "./config_store.ts";

/**
 * The state to save, at wall-clock time `now` (ms); `wallOf` turns the records' times
 * (read on a monotonic clock) into wall-clock ones.
 *
 * @example
 * ```ts
 * snapshotState(core.emperors, core.vassals, core.configs, Date.now()).version; // 1
 * ```
 */
export function snapshotState(
  emperors: ReadonlyMap<string, EmperorRecord>,
  vassals: ReadonlyMap<string, VassalRecord>,
  configs: ConfigStore,
  now: number,
  wallOf: (t: number) => number = (t) => t,
): ZeusState {
  const saved = [...vassals.values()].map((v) => savedVassal(v, configs));
  return { version: 1, savedAt: new Date(now).toISOString(), ...savedFleet(emperors, saved, wallOf) };
}

/**
 * A state of more vassals than this is made a slice at a time and written off the event loop;
 * a smaller one at once, in the turn of the change (what `/status` shows next is then on disk).
 */
export const SLICED_STATE_ABOVE = 5000;

/**
 * {@link snapshotState} made `slice` vassals per turn of the event loop: at 100 000 copies
 * and more, making the state at once held zeus's loop (and its reading of heartbeats) for
 * hundreds of ms to seconds. Each vassal's entry is as it was when its slice was made; the
 * emperors and the copies being destroyed are taken last, so that every node an entry names
 * is listed. A state older by a slice or two is what a restore already reconciles: the
 * emperors' reports win.
 *
 * @example
 * ```ts
 * const state = await snapshotStateSliced(core.emperors, core.vassals, core.configs, Date.now());
 * ```
 */
export async function snapshotStateSliced(
  emperors: ReadonlyMap<string, EmperorRecord>,
  vassals: ReadonlyMap<string, VassalRecord>,
  configs: ConfigStore,
  now: number,
  wallOf: (t: number) => number = (t) => t,
  slice = 5000,
): Promise<ZeusState> {
  const saved: SavedVassal[] = [];
  for (const v of vassals.values()) {
    saved.push(savedVassal(v, configs));
    if (saved.length % slice === 0) await nextTurn();
  }
  return { version: 1, savedAt: new Date(now).toISOString(), ...savedFleet(emperors, saved, wallOf) };
}

/** The emperors and the copies being destroyed, around the vassals' entries. */
function savedFleet(
  emperors: ReadonlyMap<string, EmperorRecord>,
  vassals: SavedVassal[],
  wallOf: (t: number) => number,
): Pick<ZeusState, "emperors" | "vassals" | "destroying"> {
  return {
    emperors: [...emperors.values()].map((e) => ({
      node: e.node,
      maxVassals: e.maxVassals,
      lastSeen: e.lastSeen > 0 ? wallOf(e.lastSeen) : 0,
      ...(e.draining ? { draining: true } : {}),
      ...(e.draining && e.drain ? { drain: savedDrain(e.drain) } : {}),
    })),
    vassals,
    destroying: [...emperors.values()].flatMap((e) => [...e.destroying].map((name) => ({ node: e.node, name }))),
  };
}

/** One vassal's entry in the saved state. */
function savedVassal(v: VassalRecord, configs: ConfigStore): SavedVassal {
  return {
    name: v.name,
    sha256: v.sha256,
    copies: v.copies,
    ...fleetFields(v, configs),
    assignments: [...v.copiesOn.values()].map((c) => ({
      node: c.node,
      pid: c.pid,
      restarts: c.restarts,
      ...(c.state === "moving" ? { state: c.state } : {}),
    })),
  };
}

/** A drain's progress as saved (its blocked reasons are judged again after a restart). */
function savedDrain(d: DrainProgress): SavedDrain {
  return {
    total: d.total,
    moved: d.moved,
    ...(d.stopped ? { stopped: d.stopped } : {}),
    ...(d.deadline !== undefined ? { deadline: d.deadline } : {}),
    ...(d.force ? { force: true } : {}),
    ...(d.ended ? { ended: d.ended } : {}),
  };
}

/** A vassal's rolling update, last good config, revert and failure, as saved. */
function fleetFields(v: VassalRecord, configs: ConfigStore): Partial<SavedVassal> {
  return {
    ...(v.rollout ? { rollout: { ...v.rollout, waiting: [] } } : {}),
    ...(v.lastGood
      ? { lastGood: { sha256: configs.digest(v.lastGood), body: Buffer.from(configs.bytes(v.lastGood)).toString("base64") } }
      : {}),
    ...(v.revertedFrom ? { revertedFrom: v.revertedFrom } : {}),
    ...(v.failed ? { failed: v.failed } : {}),
    ...(v.stopped ? { stopped: true } : {}),
  };
}

/**
 * Puts a saved vassal's fleet-operation fields back on its record. Malformed ones (should a
 * store let them through), or a last good config whose body does not match its digest, are
 * dropped: the vassal is then judged afresh.
 */
function restoreFleetFields(s: SavedVassal, v: VassalRecord, configs: ConfigStore): void {
  if (savedRolloutProblem(s)) return;
  if (s.rollout) v.rollout = { ...s.rollout, waiting: [] };
  if (s.revertedFrom) v.revertedFrom = s.revertedFrom;
  if (s.failed) v.failed = s.failed;
  if (s.stopped) v.stopped = true;
  if (!s.lastGood) return;
  const body = new Uint8Array(Buffer.from(s.lastGood.body, "base64"));
  if (sha256Hex(body) === s.lastGood.sha256) v.lastGood = configs.put(s.lastGood.sha256, body);
}

/**
 * Loads a saved state into the records: its copies wait, as "restored", for their
 * emperors' reports; a copy that was moving off a draining emperor stays "moving", so it is
 * neither counted as one of its vassal's copies nor dropped before its replacement has run.
 * A vassal's rolling update, last good config, revert and failure come back as they were.
 * Returns the nodes whose reports are awaited.
 *
 * @example
 * ```ts
 * import { loadState } from "./state_file.ts";
 * const awaited = restoreState(loadState(path)!, core.emperors, core.vassals, core.configs);
 * ```
 */
export function restoreState(
  state: ZeusState,
  emperors: Map<string, EmperorRecord>,
  vassals: Map<string, VassalRecord>,
  configs: ConfigStore,
): Set<string> {
  restoreEmperors(state, emperors);
  for (const s of state.vassals) restoreVassal(s, emperors, vassals, configs);
  return restoredAwaited(state, emperors);
}

/**
 * {@link restoreState}, a slice of vassals per turn of the event loop: 1 000 000 copies take
 * 0.4 s on a quiet machine, seconds on a loaded one, in which a leader must renew its lease.
 *
 * @example
 * ```ts
 * import { ConfigStore } from "./config_store.ts";
 * declare const state: ZeusState;
 * const vassals = new Map<string, VassalRecord>();
 * const awaited = await restoreStateSliced(state, new Map(), vassals, new ConfigStore(() => {}));
 * ```
 */
export async function restoreStateSliced(
  state: ZeusState,
  emperors: Map<string, EmperorRecord>,
  vassals: Map<string, VassalRecord>,
  configs: ConfigStore,
  slice = 5000,
): Promise<Set<string>> {
  restoreEmperors(state, emperors);
  for (let i = 0; i < state.vassals.length; i++) {
    if (i > 0 && i % slice === 0) await nextTurn();
    restoreVassal(state.vassals[i]!, emperors, vassals, configs);
  }
  return restoredAwaited(state, emperors);
}

function restoreEmperors(state: ZeusState, emperors: Map<string, EmperorRecord>): void {
  for (const e of state.emperors) {
    const r = Object.assign(emperorOf(emperors, e.node), { maxVassals: e.maxVassals, draining: e.draining === true });
    const d = e.drain;
    if (r.draining && d && typeof d.total === "number" && typeof d.moved === "number")
      r.drain = { ...d, ...(typeof d.deadline === "number" ? {} : { deadline: undefined }), blocked: {}, said: "" };
  }
}

function restoreVassal(
  s: SavedVassal,
  emperors: Map<string, EmperorRecord>,
  vassals: Map<string, VassalRecord>,
  configs: ConfigStore,
): void {
  const v = newVassal(vassals, s.name, s.sha256, s.copies);
  restoreFleetFields(s, v, configs);
  for (const a of s.assignments) {
    v.copiesOn.set(a.node, newCopy(a.node, a.state === "moving" ? "moving" : "restored", a.pid, a.restarts));
    emperorOf(emperors, a.node).names.add(s.name);
  }
}

/** The emperors the restored copies and destructions wait for. */
function restoredAwaited(state: ZeusState, emperors: Map<string, EmperorRecord>): Set<string> {
  for (const d of state.destroying) emperorOf(emperors, d.node).destroying.add(d.name);
  return new Set([...state.vassals.flatMap((s) => s.assignments.map((a) => a.node)), ...state.destroying.map((d) => d.node)]);
}
