/**
 * What the coordinator knows of each emperor and vassal (plain records, no behaviour).
 *
 * @module
 */
import type { FleetSettings } from "../vassal/mod.ts";
import type { ReportedVassal, VassalStateReport } from "../zeus_protocol/mod.ts";
import type { CopyState } from "./copy_lifecycle.ts";
import { type CopiesOn, CopyList } from "./copy_list.ts";
import { type ConfigId, ConfigStore } from "./config_store.ts";

export type { CopyState } from "./copy_lifecycle.ts";

/** What zeus keeps of an emperor's last VASSAL_STATE about a copy. */
export type CopyReport = Readonly<Omit<VassalStateReport, "name" | "pid" | "restarts">>;

/** One copy of a vassal on one emperor. */
export interface Copy {
  node: string;
  state: CopyState;
  pid: number;
  restarts: number;
  /** When the placement's last step (NEW_VASSAL, then the config) was sent: bounds the wait for an answer. */
  since?: number;
  /** The emperor's last VASSAL_STATE about it (its pid and restarts are the copy's own; shared between copies: never changed in place). */
  report?: CopyReport;
  /** Digest of the config it runs or is being given. */
  sha?: string;
  /** Since when it has run well (running, and healthy when it has a check). */
  goodSince?: number;
  /** Restarts for a failing check in a row, on this emperor. */
  unhealthyRestarts?: number;
}

/** One emperor, connected or not. */
export interface EmperorRecord {
  node: string;
  /** Connection id while connected. */
  conn?: number;
  remote: string;
  maxVassals: number;
  /** running_vassals of its last I_AM_ALIVE. */
  running: number;
  /** Time (ms) of its last I_AM_ALIVE. */
  lastSeen: number;
  /** The coordinator's deaf time (Coordinator.deaf) at `lastSeen`: what of its silence zeus did not listen to. */
  deafAtSeen?: number;
  /** Connected and not declared dead. */
  alive: boolean;
  /** Its vassal report is in: it may be given vassals. */
  ready: boolean;
  /** The report being received. */
  report: ReportedVassal[];
  /** Vassals it holds a copy of. */
  names: Set<string>;
  /** Vassals it was told to destroy, until it confirms. */
  destroying: Set<string>;
  /** Its `--label`s (from I_AM_ALIVE). */
  labels: Record<string, string>;
  /** `zeus drain NODE`: nothing new goes there, and its vassals move away (kept across restarts). */
  draining: boolean;
  /** The drain's progress, deadline, blocked copies and end (while `draining`). */
  drain?: DrainProgress;
}

/** Where a drain stands (lib/zeus/drain.ts moves it on). */
export interface DrainProgress {
  /** Copies the emperor held when the drain began. */
  total: number;
  /** Copies moved away: replaced by copies elsewhere that run well. */
  moved: number;
  /** Copies its end (deadline, --force) stopped with no replacement running well: not moved. */
  stopped?: number;
  /** Wall-clock ms since the epoch at which the copies left are stopped (`--deadline`). */
  deadline?: number;
  /** `--force`: the copies left are stopped at the next step. */
  force?: boolean;
  /** How it ended: every copy moved ("done"), or the rest stopped ("forced"). */
  ended?: "done" | "forced";
  /** Vassal → why its copy cannot move (no replacement can be placed). */
  blocked: Record<string, string>;
  /** The blocked reasons last logged, so that each change is logged once. */
  said: string;
}

/** One vassal config of the directory. */
export interface VassalRecord {
  name: string;
  /** The config (its id in the coordinator's config_store.ts; its digest is `sha256`); undefined for a vassal restored from the state file until the directory scan. */
  config?: ConfigId;
  sha256: string;
  /** Copies wanted. */
  copies: number;
  /** Why the config cannot be placed (e.g. bad TOML), until it changes. */
  error?: string;
  /** Set once rejections reached the bound; cleared when the config changes. */
  failed?: string;
  rejections: number;
  /** Emperors that refused it since its config last changed ({@link NO_REJECTIONS} while none; added to by {@link rejectedOn}). */
  rejectedBy: ReadonlySet<string>;
  /** Copies by emperor node. */
  copiesOn: CopiesOn;
  /** Times a copy was moved off a lost emperor. */
  moves: number;
  /** Its check, constraints, spread and update policy. */
  settings?: FleetSettings;
  /** Times a copy was moved because it kept failing (backoff or check) on its emperor. */
  reschedules?: number;
  /** The rolling update under way, or the last one. */
  rollout?: RolloutRecord;
  /** The last config every copy ran well (its id in the coordinator's config_store.ts): where auto_revert goes back to. */
  lastGood?: ConfigId;
  /** The file's digest while its copies were reverted from it: it is not rolled out again until it changes. */
  revertedFrom?: string;
  /** `zeus stop`: no copy runs until `zeus start` (kept across restarts). */
  stopped?: boolean;
}

/** A rolling update of a vassal, for the coordinator and `/status`. */
export interface RolloutRecord {
  /** Digest of the config being rolled out. */
  target: string;
  state: "rolling" | "done" | "failed" | "reverted";
  updated: number;
  total: number;
  /** Copies that got the new config and still prove themselves. */
  waiting: string[];
  /** Why it stopped. */
  reason?: string;
}

/**
 * The record of emperor `node`, made (disconnected, holding nothing) when it has none.
 *
 * @example
 * ```ts
 * emperorOf(new Map(), "e1").alive; // false
 * ```
 */
export function emperorOf(emperors: Map<string, EmperorRecord>, node: string): EmperorRecord {
  let e = emperors.get(node);
  if (!e) {
    e = {
      node,
      remote: "",
      maxVassals: 0,
      running: 0,
      lastSeen: 0,
      alive: false,
      ready: false,
      report: [],
      names: new Set(),
      destroying: new Set(),
      labels: {},
      draining: false,
    };
    emperors.set(node, e);
  }
  return e;
}

/**
 * No emperor refused the vassal: one empty set shared by every vassal that none refused
 * (an empty `Set` each cost about 40 bytes a vassal at 100 000); never added to.
 */
export const NO_REJECTIONS: ReadonlySet<string> = new Set();

/**
 * Emperor `node` refused `v`: it is not offered there again until the config changes.
 *
 * @example
 * ```ts
 * const v = newVassal(new Map(), "web.toml", "ab12", 2);
 * rejectedOn(v, "e1");
 * v.rejectedBy.has("e1"); // true
 * ```
 */
export function rejectedOn(v: VassalRecord, node: string): void {
  v.rejectedBy = new Set([...v.rejectedBy, node]);
}

/**
 * A new copy of a vassal on emperor `node`, with every field a copy may get declared at once:
 * fields added later to an object live out of line, in a second allocation of the engine's
 * (a copy of 100 000 vassals cost two; now one).
 *
 * @example
 * ```ts
 * newCopy("e1", "offered", 0, 0, 1000).since; // 1000
 * ```
 */
export function newCopy(node: string, state: CopyState, pid: number, restarts: number, since?: number, sha?: string): Copy {
  return { node, state, pid, restarts, since, report: undefined, sha, goodSince: undefined, unhealthyRestarts: undefined };
}

/**
 * A new vassal record (no copies, no rejections), stored in `vassals` under `name`.
 *
 * @example
 * ```ts
 * newVassal(new Map(), "web.toml", "ab12", 2).copiesOn.size; // 0
 * ```
 */
export function newVassal(vassals: Map<string, VassalRecord>, name: string, sha256: string, copies: number): VassalRecord {
  // Every field a vassal of the directory gets at once declared (see newCopy); the rare ones
  // (settings, rollout, revertedFrom, stopped) are added when needed.
  const v: VassalRecord = {
    name,
    config: undefined,
    sha256,
    copies,
    error: undefined,
    failed: undefined,
    rejections: 0,
    rejectedBy: NO_REJECTIONS,
    copiesOn: new CopyList(),
    moves: 0,
    reschedules: 0,
    lastGood: undefined,
  };
  vassals.set(name, v);
  return v;
}

/**
 * Copies of `v` wanted now: none while it is stopped (`zeus stop`), else its `copies`.
 *
 * @example
 * ```ts
 * const v = newVassal(new Map(), "web.toml", "ab12", 2);
 * v.stopped = true;
 * copiesWanted(v); // 0
 * ```
 */
export function copiesWanted(v: VassalRecord): number {
  return v.stopped ? 0 : v.copies;
}

/**
 * The store of the configs of `vassals` (their `config` and `lastGood`): the coordinator's,
 * or a restore's in a test.
 *
 * @example
 * ```ts
 * const vassals = new Map<string, VassalRecord>();
 * const configs = configsOf(vassals);
 * const v = newVassal(vassals, "web.toml", "ab12", 1);
 * v.config = configs.put("ab12", new TextEncoder().encode("[vassal]\n"));
 * ```
 */
export function configsOf(vassals: ReadonlyMap<string, VassalRecord>): ConfigStore {
  return new ConfigStore((mark) => {
    for (const v of vassals.values()) {
      mark(v.config);
      mark(v.lastGood);
    }
  });
}
