/**
 * Stored rows that fail their checksum, written back from the peers' copies: a row found
 * damaged when read (a replay, a fetch) or at start with no journal record left to mend it
 * from is looked up by its id (what the row still says of itself) in every reachable
 * peer's copy of the messages logged around its time, and written again under its own seq
 * with its own time. One log line per mend says which seqs came back from where and which
 * no copy held (those stay unserved).
 *
 * The choice is pure ({@link mendFromCopies}); fetching and writing are at the edge.
 *
 * @module
 */
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { encodeRanges } from "./listen/ranges.ts";
import type { PeerCopy } from "./catch_up.ts";

/** How much earlier than a damaged row's own time the peers' copies are read (their clocks and logging times differ). */
export const MEND_SLACK_MS = 60_000;

/** A row to mend: its seq, and the id and time it still holds. */
export interface DamagedRow {
  seq: number;
  ts: number;
  id: string;
}

/** A row written back, as the store takes it. */
export interface MendedRow {
  seq: number;
  id: string;
  origin: string;
  content: string;
}

/**
 * The rows the peers' copies can mend (the first copy holding the id wins) and the line
 * to log.
 *
 * @param names node names by ring position
 * @example
 * ```ts
 * const copies: PeerCopy[] = [{ peer: 1, messages: [{ id: "a", origin: "MV", content: "x" }] }];
 * mendFromCopies([{ seq: 7, ts: 0, id: "a" }], copies, ["MV", "PA"]).line;
 * // "store: message 7 failed its checksum: written again from the peers' copies: 7 (PA)"
 * ```
 */
export function mendFromCopies(
  rows: readonly DamagedRow[],
  copies: readonly PeerCopy[],
  names: readonly string[],
): { mended: MendedRow[]; line: string } {
  const wanted = new Set(rows.map((r) => r.id));
  const found = new Map<string, { peer: number; origin: string; content: string }>();
  for (const c of copies) {
    if (!("messages" in c)) continue;
    for (const m of c.messages) if (wanted.has(m.id) && !found.has(m.id)) found.set(m.id, { peer: c.peer, ...m });
  }
  const mended: MendedRow[] = [];
  const byPeer = new Map<number, number[]>();
  const lost: number[] = [];
  for (const r of rows) {
    const f = found.get(r.id);
    if (!f) {
      lost.push(r.seq);
      continue;
    }
    mended.push({ seq: r.seq, id: r.id, origin: f.origin, content: f.content });
    byPeer.set(f.peer, [...(byPeer.get(f.peer) ?? []), r.seq]);
  }
  const seqs = encodeRanges(rows.map((r) => r.seq));
  const from = [...byPeer].map(([p, s]) => `${encodeRanges(s)} (${names[p] ?? "?"})`).join(", ");
  const unreached = copies.filter((c) => !("messages" in c)).map((c) => names[c.peer] ?? "?");
  const line =
    `store: message${rows.length === 1 ? "" : "s"} ${seqs} failed ${rows.length === 1 ? "its checksum" : "their checksums"}` +
    (mended.length > 0 ? `: written again from the peers' copies: ${from}` : "") +
    (lost.length > 0
      ? `; in no copy reached${unreached.length > 0 ? ` (${unreached.join(", ")} unreachable)` : ""}, never served: ${encodeRanges(lost)}`
      : "");
  return { mended, line };
}

/** What mending needs of the store. */
export interface MendStore {
  unchecked(seq: number): DamagedRow | undefined;
  replace(rows: readonly MendedRow[]): void;
}

/**
 * Gathers damaged seqs as they are found (200 ms), then mends them from the peers' copies,
 * one batch at a time.
 *
 * @example
 * ```ts
 * declare const store: MendStore & { onDamaged?: (seq: number) => void }, copies: (sinceMs: number, ids: ReadonlySet<string>) => Promise<PeerCopy[]>;
 * const mender = new RowMender(store, copies, ["MV", "PA"], (line) => console.log(line));
 * store.onDamaged = (seq) => mender.damaged(seq);
 * ```
 */
export class RowMender {
  readonly #seqs = new Set<number>();
  #timer: TimerHandle | undefined;
  #busy = false;
  #stopped = false;

  /**
   * @param copies every peer's copy of the messages logged at or after a time, of the given ids only
   * @param report gets the line of each mend, and `false` with a line when it failed
   */
  constructor(
    readonly store: MendStore,
    readonly copies: (sinceMs: number, ids: ReadonlySet<string>) => Promise<PeerCopy[]>,
    readonly names: readonly string[],
    readonly report: (line: string, ok: boolean) => void,
    readonly clock: Clock = systemClock,
  ) {}

  /** Row `seq` failed its checksum: it is mended with the others found within 200 ms. */
  damaged(seq: number): void {
    if (this.#stopped) return;
    this.#seqs.add(seq);
    this.#schedule();
  }

  /** No more mending (the node stops); one under way writes nothing more. */
  stop(): void {
    this.#stopped = true;
    this.clock.clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#busy) return;
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#mend();
    }, 200);
  }

  async #mend(): Promise<void> {
    const seqs = [...this.#seqs].sort((a, b) => a - b);
    this.#seqs.clear();
    this.#busy = true;
    try {
      const rows = seqs.map((s) => this.store.unchecked(s)).filter((r): r is DamagedRow => r !== undefined);
      if (rows.length === 0) return;
      const now = this.clock.now();
      // A damaged time says nothing: then every copy is read whole.
      const earliest = Math.min(...rows.map((r) => (r.ts > 0 && r.ts <= now ? r.ts : 0)));
      const copies = await this.copies(Math.max(0, earliest - MEND_SLACK_MS), new Set(rows.map((r) => r.id)));
      if (this.#stopped) return;
      const { mended, line } = mendFromCopies(rows, copies, this.names);
      this.store.replace(mended);
      this.report(line, true);
    } catch (e) {
      this.report(
        `store: messages ${encodeRanges(seqs)} failed their checksums and could not be mended from the peers: ${(e as Error).message}`,
        false,
      );
    } finally {
      this.#busy = false;
      if (this.#seqs.size > 0 && !this.#stopped) this.#schedule();
    }
  }
}
