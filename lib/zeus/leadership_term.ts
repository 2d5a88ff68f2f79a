/**
 * One term of leadership: a fresh {@link Coordinator}, restored from the saved state (as
 * `--restore` does), fed the vassal files, and the emperor connections that joined it. A
 * single zeus has one term for its whole life; several zeus start one each time this one is
 * elected, and end it by telling every emperor NOT_LEADER. Nothing of a term outlives it:
 * the next one starts from the saved state, never from the last one's memory.
 *
 * @module
 */
import { type Clock, nextTurn } from "../clock.ts";
import { getLogger } from "../log/mod.ts";
import type { ZeusMessage } from "../zeus_protocol/mod.ts";
import type { DirChanges } from "../watch/mod.ts";
import { Coordinator } from "./coordinator.ts";
import type { CoordinatorOptions } from "./coordinator_types.ts";
import type { ZeusState } from "./state_file.ts";
import type { VassalSource } from "./vassal_source.ts";

const log = getLogger("zeus", "server");

/** Vassal files read into a beginning term per turn of the event loop (about 20 ms of work). */
const FILES_PER_SLICE = 1000;

/** An emperor's connection as its term sees it (a {@link ZeusConnection}). */
export interface TermMember {
  readonly id: number;
  readonly remote: string;
  /** The certificate's names, when client certificates are required. */
  readonly certNames: string[] | undefined;
  send(m: ZeusMessage): void;
  /** The coordinator closes it (a protocol error, a dead emperor). */
  drop(reason: string): void;
  /** The term ended: NOT_LEADER, then closed. */
  depose(): void;
}

/** What a term needs of its server. */
export interface TermOptions {
  coordinator: CoordinatorOptions;
  /** Where the vassal configs are. */
  vassals: VassalSource;
  /** Whether the lease is proven right now (a single zeus: always): every action checks. */
  canAct(): boolean;
  /** Judgements are made on its monotonic reading; its wall clock is for what is shown and saved. */
  clock: Clock;
  /** Emperors or assignments changed: persist. */
  changed(): void;
  /** Connections that have not said who they are yet (TLS handshakes, strangers): emperors on their way. */
  arriving?(): number;
  /** Several zeus: ZEUS_ALIVE announces `deadAfterMs` this often, so emperors leave a silent zeus. */
  aliveEveryMs?: number;
  /** Where the state came from, for the log line. */
  from?: string;
}

/**
 * A term of leadership.
 *
 * @example
 * ```ts
 * import type { StateStore } from "./state_store.ts";
 * declare const opts: TermOptions, store: StateStore, member: TermMember;
 * const term = (await LeadershipTerm.begin(opts, await store.load()))!;
 * term.join(member); // an emperor connected
 * setInterval(() => term.tick(), 100);
 * term.end();
 * ```
 */
export class LeadershipTerm {
  readonly core: Coordinator;
  readonly #members = new Map<number, TermMember>();
  #lastAlive = Number.NEGATIVE_INFINITY;

  /**
   * Begins a term: restores `state` (undefined: afresh) and reads every vassal file, a slice
   * of files per turn of the event loop, so that a zeus taking over 200 000 files (3.5 s of
   * work on a quiet machine, 20 s on a loaded one) still renews its lease and reads its
   * sockets meanwhile. Resolves to undefined when `wanted()` turns false between two slices
   * (the lease was lost, a newer load began): that term is dropped unbegun.
   *
   * @param opts what the term needs of its server
   * @param state the saved state, or undefined to start afresh
   * @param wanted whether the term is still wanted; asked between slices
   * @example
   * ```ts
   * declare const opts: TermOptions, state: ZeusState | undefined;
   * const term = await LeadershipTerm.begin(opts, state);
   * ```
   */
  static async begin(
    opts: TermOptions,
    state: ZeusState | undefined,
    wanted: () => boolean = () => true,
  ): Promise<LeadershipTerm | undefined> {
    const term = new LeadershipTerm(opts);
    if (state) {
      await term.core.restoreSliced(state);
      if (!wanted()) return undefined;
      term.#restored(state);
    }
    const source = opts.vassals;
    let n = 0;
    for (const name of [...source.names()]) {
      term.#fileSet(name);
      if (++n % FILES_PER_SLICE === 0) {
        await nextTurn();
        if (!wanted()) return undefined;
      }
    }
    // Vassals of the saved state whose config went away meanwhile.
    for (const name of [...term.core.vassals.keys()]) if (!source.has(name)) term.core.fileRemoved(name);
    return term;
  }

  /** The term's coordinator, empty: {@link LeadershipTerm.begin} fills it. */
  private constructor(readonly opts: TermOptions) {
    this.core = new Coordinator(
      {
        now: () => opts.clock.monotonic(),
        wallNow: () => opts.clock.now(),
        defer: (fn) => void setImmediate(fn),
        // Every action goes through here: a leader that cannot prove its lease sends nothing.
        send: (id, m) => {
          if (opts.canAct()) this.#members.get(id)?.send(m);
        },
        close: (id, reason) => {
          log.info("closing connection {conn}: {reason}", { conn: id, reason });
          const m = this.#members.get(id);
          this.#members.delete(id);
          m?.drop(reason);
        },
        changed: opts.changed,
        ...(opts.arriving ? { arriving: opts.arriving } : {}),
      },
      opts.coordinator,
    );
  }

  #restored(state: ZeusState): void {
    log.info("restored {v} vassals on {e} emperors from {path}; waiting {s} s for emperors", {
      v: state.vassals.length,
      e: state.emperors.length,
      path: this.opts.from,
      s: this.core.opts.settleMs / 1000,
    });
  }

  #fileSet(name: string): void {
    const body = this.opts.vassals.read(name);
    if (body) this.core.fileSet(name, body);
  }

  /** An emperor's connection joins the term. */
  join(m: TermMember): void {
    this.#members.set(m.id, m);
    if (this.opts.aliveEveryMs !== undefined) m.send({ type: "ZEUS_ALIVE", deadAfterMs: this.core.opts.deadAfterMs });
    this.core.connOpened(m.id, m.remote, m.certNames);
  }

  /** A message from a member; dropped while the lease is not proven. */
  message(id: number, m: ZeusMessage): void {
    if (this.opts.canAct()) this.core.message(id, m);
  }

  /** A member broke the protocol: counted, answered with ERROR, closed. */
  protocolError(id: number, reason: string): void {
    this.core.protocolError(id, reason);
  }

  /** A member's connection closed without the term closing it. */
  lost(id: number, why: string): void {
    if (this.#members.delete(id)) this.core.connClosed(id, why);
  }

  /** The vassal files changed. */
  filesChanged(c: DirChanges): void {
    if (!this.opts.canAct()) return;
    for (const name of [...c.added, ...c.changed]) this.#fileSet(name);
    for (const name of c.touched) this.core.fileTouched(name);
    for (const name of c.removed) this.core.fileRemoved(name);
  }

  /** Heartbeat judgements, timeouts and (several zeus) ZEUS_ALIVE; a few times a second. */
  tick(): void {
    if (!this.opts.canAct()) return;
    this.core.tick();
    const every = this.opts.aliveEveryMs;
    const now = this.opts.clock.monotonic();
    if (every === undefined || now - this.#lastAlive < every) return;
    this.#lastAlive = now;
    for (const m of this.#members.values()) m.send({ type: "ZEUS_ALIVE", deadAfterMs: this.core.opts.deadAfterMs });
  }

  /** Ends the term: every member is told NOT_LEADER, and closed. */
  end(): void {
    const members = [...this.#members.values()];
    this.#members.clear();
    for (const m of members) m.depose();
  }
}
