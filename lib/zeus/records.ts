/**
 * What the coordinator knows of each emperor and vassal (plain records, no behaviour).
 *
 * @module
 */
import type { ReportedVassal } from "../zeus_protocol/mod.ts";
import type { CopyState } from "./copy_lifecycle.ts";

export type { CopyState } from "./copy_lifecycle.ts";

/** One copy of a vassal on one emperor. */
export interface Copy {
  node: string;
  state: CopyState;
  pid: number;
  restarts: number;
  /** When the placement's last step (NEW_VASSAL, then the config) was sent: bounds the wait for an answer. */
  since?: number;
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
}

/** One vassal config of the directory. */
export interface VassalRecord {
  name: string;
  /** The config; undefined for a vassal restored from the state file until the directory scan. */
  body?: Uint8Array;
  sha256: string;
  /** Copies wanted. */
  copies: number;
  /** Why the config cannot be placed (e.g. bad TOML), until it changes. */
  error?: string;
  /** Set once rejections reached the bound; cleared when the config changes. */
  failed?: string;
  rejections: number;
  rejectedBy: Set<string>;
  /** Copies by emperor node. */
  copiesOn: Map<string, Copy>;
  /** Times a copy was moved off a lost emperor. */
  moves: number;
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
    };
    emperors.set(node, e);
  }
  return e;
}
