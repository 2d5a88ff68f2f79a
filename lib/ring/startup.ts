/**
 * A node's files at start: the older layout moved to the state folder, the journal checked
 * against what the store and access.log hold, the store opened, and recovery run.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { NodeFiles, RingConfig, RingNode } from "../config/mod.ts";
import { errCode } from "../errors.ts";
import { JOURNAL_FILE, LogFiles } from "./log_files.ts";
import type { RingStore } from "./listen/store.ts";
import { openStore } from "./store_open.ts";
import { JournalBehindError, type Recovered, recover, type StoreRows } from "./recovery.ts";
import { rebuildJournal } from "./rebuild.ts";
import { DEDUP_CAPACITY } from "./dedup.ts";
import { moveToStateDir, sizeOf } from "./state_dir.ts";

/** A node's opened files and what recovery found, with the lines to log about it. */
export interface Opened {
  files: LogFiles;
  store: RingStore;
  rec: Recovered;
  /** What was moved, repaired or rebuilt: one line each, for the log (info). */
  notes: string[];
  /** Damage found: one line each, for the log (warn). */
  damage: string[];
  /** Set when the node must compare its messages with the peers' copies (catch_up.ts): why, and from when. */
  catchUp?: CatchUpPlan;
}

/** Why a node catches up from its peers, and the time of the first message to compare. */
export interface CatchUpPlan {
  why: string;
  /** Ms since the epoch: the peers' messages logged at or after it are compared. */
  sinceMs: number;
}

/** Thrown when the journal is gone while the node's other files hold messages. */
export class JournalMissingError extends Error {}

/**
 * Opens a node's files and recovers its state from them.
 *
 * @param rebuild `--rebuild-journal`: a journal that is missing is rebuilt from the store
 * @throws {JournalMissingError} when the journal is missing or empty while the store or
 *   access.log hold messages (unless `rebuild`); {@link Error} when a folder or file cannot be used
 * @example
 * ```ts
 * const { files, store, rec, notes } = openNode(config, self, nodeFiles(config, self), { rebuild: false });
 * ```
 */
export function openNode(
  config: RingConfig,
  self: RingNode,
  paths: NodeFiles,
  opts: { rebuild?: boolean; rebuildStore?: boolean } = {},
): Opened {
  const notes = moveToStateDir(paths.logDir, paths.stateDir);
  const journalPath = join(paths.stateDir, JOURNAL_FILE);
  const journalBytes = sizeOf(journalPath);
  let files: LogFiles | undefined;
  let store: RingStore | undefined;
  try {
    // The journal is checked before anything creates it.
    makeFolder(paths.logDir, "log");
    makeFolder(paths.stateDir, "state");
    const opened = openStore(paths.stateDir, { durable: config.fsync !== "never", rebuild: opts.rebuildStore ?? false });
    store = opened.store;
    const damage: string[] = [];
    if (opened.setAside)
      damage.push(`store: ${opened.setAside.reason}: set aside as ${opened.setAside.path}; a new store is filled from the journal`);
    const accessBytes = sizeOf(join(paths.logDir, "access.log"));
    if (journalBytes === 0 && (store.lastSeq > 0 || accessBytes > 0) && !opts.rebuild) throw missing(journalPath, store, accessBytes);
    files = new LogFiles(paths.logDir, paths.stateDir);
    const names = config.nodes.map((n) => n.name);
    const empty = journalBytes === 0 && store.lastSeq === 0 && accessBytes === 0;
    let rebuilt = journalBytes === 0 && (store.lastSeq > 0 || accessBytes > 0);
    if (rebuilt) notes.push(rebuildJournal(files, store, names, self.index));
    // The store's files are synced with access.log, before the journal's L mark moves past them.
    if (config.fsync !== "never") {
      const open = store;
      files.alsoSync.push((everything) => open.filesToSync(everything));
    }
    notes.push(...store.notes);
    const rows = storeRows(store, config.nodes);
    const ring = { self: self.index, n: config.nodes.length };
    let rec: Recovered;
    try {
      rec = recover(files, rows, ring);
    } catch (e) {
      if (!(e instanceof JournalBehindError) || !opts.rebuild) throw e;
      notes.push(rebuildJournal(files, store, names, self.index));
      rebuilt = true;
      rec = recover(files, rows, ring);
    }
    if (rec.repaired > 0) notes.push(`access.log: appended ${rec.repaired} journalled messages a crash had kept out`);
    if (opened.setAside) notes.push(rebuiltNote(store));
    else if (rec.storeRepaired > 0) notes.push(`store: added ${rec.storeRepaired} journalled messages a crash had kept out`);
    const catchUp = catchUpPlan(store, { empty, rebuilt, lost: rec.lost });
    return { files, store, rec, notes: [...notes, ...rec.notes], damage: [...damage, ...rec.damage], ...(catchUp ? { catchUp } : {}) };
  } catch (e) {
    files?.close();
    store?.close();
    throw e;
  }
}

/**
 * Whether the node compares its messages with its peers' at start: when its files hold no
 * message (all of the ring's history is fetched), when its journal was rebuilt, or when
 * messages were lost to damage (from the oldest message its de-dup memory covers).
 */
function catchUpPlan(store: RingStore, found: { empty: boolean; rebuilt: boolean; lost: number }): CatchUpPlan | undefined {
  if (found.empty) return { why: "this node's files hold no message: a new node, or its files were lost", sinceMs: 0 };
  const why = found.rebuilt
    ? "its journal was rebuilt"
    : found.lost > 0
      ? `${found.lost} message${found.lost === 1 ? "" : "s"} lost to damage`
      : undefined;
  // A store that holds nothing says nothing of what access.log holds: comparing by id would log it all again.
  if (!why || store.lastSeq === 0) return undefined;
  const from = Math.max(store.oldestSeq(), store.lastSeq - DEDUP_CAPACITY + 1);
  return { why, sinceMs: store.read(from, 1)[0]?.ts ?? 0 };
}

/** What a store rebuilt from the journal holds, and what it could not get back. */
function rebuiltNote(store: RingStore): string {
  const oldest = store.oldestSeq();
  const held =
    oldest <= store.lastSeq ? `messages ${oldest}-${store.lastSeq} restored from the journal` : "no message in the journal to restore";
  const gone = oldest > 1 ? `; messages 1-${oldest - 1} were only in the old store: replay starts after them` : "";
  return `store rebuilt: ${held}${gone}; the positions of durable listeners and groups were in the old store (they start again as new ones)`;
}

function makeFolder(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`${what} folder ${dir} is not writable: ${errCode(e)}`, { cause: e });
  }
}

function missing(journalPath: string, store: RingStore, accessBytes: number): JournalMissingError {
  const holds = [
    ...(store.lastSeq > 0 ? [`${store.path} holds ${store.lastSeq} messages`] : []),
    ...(accessBytes > 0 ? [`access.log holds ${accessBytes} bytes`] : []),
  ].join(" and ");
  return new JournalMissingError(
    `the journal ${journalPath} is missing or empty while ${holds}: refusing to start, which would forget what was sent and acknowledged; ` +
      `put the journal back, or start once with --rebuild-journal to rebuild it from the store and the peers`,
  );
}

/** The store as recovery sees it: origins as ring positions. */
function storeRows(store: RingStore, nodes: readonly RingNode[]): StoreRows {
  const position = new Map(nodes.map((n) => [n.name, n.index]));
  const name = (i: number) => nodes[i]?.name ?? "?";
  return {
    scanDamaged: (after) => store.scanDamaged(after),
    replace: (rows) => store.replace(rows.map((r) => ({ ...r, origin: name(r.origin) }))),
    get lastSeq() {
      return store.lastSeq;
    },
    put: (rows) => store.put(rows.map((r) => ({ ...r, origin: name(r.origin) }))),
    skipTo: (seq) => store.skipTo(seq),
    between: (from, to) => {
      const out: { seq: number; id: string; origin: number; content: string }[] = [];
      for (let at = from; at <= to;) {
        const page = store.read(at, Math.min(10_000, to - at + 1));
        for (const m of page) if (m.seq <= to) out.push({ seq: m.seq, id: m.id, origin: position.get(m.origin) ?? 0, content: m.content });
        if (page.length === 0) break;
        at = page[page.length - 1]!.seq + 1;
      }
      return out;
    },
  };
}
