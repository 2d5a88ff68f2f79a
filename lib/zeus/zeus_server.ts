/**
 * The zeus daemon: listens for emperors and admin clients, watches the vassals, leads terms
 * (a {@link LeadershipTerm} each: a coordinator, its emperors), saves its state and serves
 * stats. One object per lifetime: this server (its life a table, server_lifecycle.ts), a
 * term, a connection (zeus_connection.ts, its role a table, conn_lifecycle.ts).
 *
 * A single zeus always leads. Several zeus sharing an etcd state ({@link HaLeadership})
 * lead one at a time: each term of leadership starts a fresh coordinator from the saved
 * state, as `--restore` does, and ends by closing every emperor connection; a standby
 * answers emperors with NOT_LEADER naming the leader.
 *
 * @module
 */
import { AdminHub, adminVerdict } from "../admin/mod.ts";
import { type Clock, nextTurn, systemClock, type TimerHandle } from "../clock.ts";
import { StreamRelay } from "../exec/mod.ts";
import { getLogger, refusalLogger } from "../log/mod.ts";
import { type Conn, listen, type Listener, Strangers } from "../net/mod.ts";
import { encodePacket } from "../packet/mod.ts";
import { serveStats, type StatsServer, type StreamedStatus } from "../stats/mod.ts";
import type { HostPort, TlsServerFiles } from "../tls/mod.ts";
import type { DirChanges } from "../watch/mod.ts";
import { encodeMessage, sha256Hex, ZEUS_HANDSHAKE_S } from "../zeus_protocol/mod.ts";
import { leaderOnly, locateVassal, savedFirst, ZEUS_ADMIN_COMMANDS } from "./admin_commands.ts";
import type { ZeusAdminContext } from "./admin_context.ts";
import { Coordinator } from "./coordinator.ts";
import type { CoordinatorOptions } from "./coordinator_types.ts";
import type { HaLeadership } from "./ha.ts";
import { LeadershipTerm, type TermOptions } from "./leadership_term.ts";
import { type ServerAction, type ServerEvent, type ServerState, serverStep } from "./server_lifecycle.ts";
import { nextTerm, type ZeusState } from "./state_file.ts";
import { StateSaver } from "./state_saver.ts";
import { SLICED_STATE_ABOVE } from "./state_snapshot.ts";
import { fleetDrainLines } from "./drain_status.ts";
import { discarded } from "./fresh_start.ts";
import type { StateStore } from "./state_store.ts";
import type { VassalSource } from "./vassal_source.ts";
import { type ConnectionHost, ZeusConnection } from "./zeus_connection.ts";
import {
  STATUS_SLICE,
  statusOf,
  type StatusPlan,
  statusPlan,
  statusPlanSliced,
  zeusMetrics,
  type ZeusStatus,
  zeusStatus,
} from "./zeus_status.ts";
import { STREAM_ROWS, statusStream } from "./status_stream.ts";
import { ZeusConsole } from "./zeus_console.ts";
import { type StatusView, statusView } from "./status_view.ts";
import { errCode } from "../errors.ts";
import { DeafClock, TICK_MS } from "./deaf_clock.ts";

const log = getLogger("zeus", "server");

/**
 * Connections that have not said who they are, at once (each closed after 10 s of silence):
 * above the 64 other daemons take, so that a fleet redialling a restarted zeus is not refused
 * (1 000 emperors after kill -9 met 1 981 refusals and outlasted the settle time: copies
 * were started again). Each costs a descriptor and at most one partial packet.
 */
export const ZEUS_MAX_STRANGERS = 1024;

/** Held callers given what they sent per turn of the event loop once zeus leads (about 50-100 ms of reports). */
const RELEASE_SLICE = 50;

export { VASSAL_FILE } from "./vassal_source.ts";

/** Options of {@link startZeus}. */
export interface ZeusOptions extends HostPort {
  /** Where the vassal configs are: a directory ({@link dirSource}) or an etcd prefix. */
  vassals: VassalSource;
  tls?: TlsServerFiles;
  /** Where the state is saved on every change (a file, or etcd with `ha`). */
  store?: StateStore;
  /**
   * Accepted and implied (`--restore`): with a `store`, zeus always loads the saved state and
   * keeps what reconnecting emperors report, unless `fresh`.
   */
  restore?: boolean;
  /** Start without the saved state (`--fresh`): a warning names what is discarded. */
  fresh?: boolean;
  /** Several zeus: leadership through etcd (the state is then always restored). */
  ha?: HaLeadership;
  deadAfterMs: number;
  /** An unanswered placement is a rejection after this long (default 60 s). */
  placeTimeoutMs?: number;
  /** Quick deaths (or restarts for a failing check) in a row after which a copy moves elsewhere (default 3). */
  rescheduleAfter?: number;
  stats?: HostPort;
  /** Certificate names that are admin clients (`--admin NAME`); see lib/admin/auth.ts. */
  admins?: string[];
  /** Time and timers (default: the system's); heartbeats and timeouts are judged on its monotonic reading. */
  clock?: Clock;
}

/** A running zeus. */
export interface ZeusServer {
  port: number;
  statsPort?: number;
  /** The coordinator of the current term (an idle one while a standby). */
  readonly core: Coordinator;
  /**
   * Work done so far (changes, emperors' reports, `/status` served; heartbeats are not work): a
   * count that stops moving when zeus is quiet, when it can give memory back (`trimWhenIdle`).
   */
  readonly work: number;
  /** Rescans the vassals directory now (SIGHUP). */
  rescan(): void;
  /** Stops listening and watching; emperors keep their vassals and redial. */
  stop(): Promise<void>;
}

/**
 * Starts zeus.
 *
 * @throws {Error} when the port cannot be bound, the directory cannot be read or the state is bad
 * @example
 * ```ts
 * const z = await startZeus({ host: "127.0.0.1", port: 4040, vassals: dirSource("/etc/vassals"), deadAfterMs: 5000 });
 * ```
 */
export function startZeus(opts: ZeusOptions): Promise<ZeusServer> {
  return Zeus.start(opts);
}

/**
 * The zeus daemon (made by {@link startZeus}).
 *
 * @example
 * ```ts
 * const z = await Zeus.start({ host: "127.0.0.1", port: 4040, vassals: dirSource("/etc/vassals"), deadAfterMs: 5000 });
 * await z.stop();
 * ```
 */
export class Zeus implements ZeusServer, ConnectionHost {
  port = 0;
  statsPort?: number;
  readonly strangers: Strangers;
  readonly hub: AdminHub<ZeusAdminContext>;
  readonly relay: StreamRelay;
  readonly clientCerts: boolean;
  /** The web console (`/ui/` on the stats address). */
  readonly ui: ZeusConsole;
  #state: ServerState = "standby";
  #term: LeadershipTerm | undefined;
  /** The held callers are being released (a slice a turn). */
  #releasing = false;
  /** Loads begun (each `load_state`): a term built for an older one is dropped. */
  #loads = 0;
  /** The term {@link #loadState} built, while the `loaded` event it sends begins it. */
  #built: LeadershipTerm | undefined;
  /** Vassal files that changed while a term was being built: they are given to it once it begins. */
  #changedWhileBuilding: DirChanges[] = [];
  /** The coordinator shown while no term runs: it knows nothing and does nothing. */
  readonly #idle: Coordinator;
  readonly #conns = new Map<number, ZeusConnection>();
  #nextConn = 0;
  readonly #saver: StateSaver | undefined;
  /** Each vassal file's sha256, for comparing the vassal set between several zeus. */
  readonly #digests = new Map<string, string>();
  #listener: Listener | undefined;
  #stats: StatsServer | undefined;
  #ticker: TimerHandle | undefined;
  /** zeus's loop blocked or not, read at each tick and each packet (deaf_clock.ts). */
  #deaf = new DeafClock(0);
  /** Changes and `/status` documents made, for {@link work}. */
  #work = 0;
  readonly #clock: Clock;
  readonly #stopped = Promise.withResolvers<void>();

  /**
   * Starts zeus: loads the state (`--restore`), watches the vassals, listens, campaigns.
   *
   * @throws {Error} when the port cannot be bound, the directory cannot be read or the state is bad
   */
  static async start(opts: ZeusOptions): Promise<Zeus> {
    const { state, term } = await Zeus.#startingState(opts);
    const zeus = new Zeus(opts, state, term);
    await zeus.#open();
    return zeus;
  }

  /**
   * A single zeus's saved state, always loaded unless `--fresh` (which says what it
   * discards), and its term: one more than the saved one, even with `--fresh`.
   */
  static async #startingState(opts: ZeusOptions): Promise<{ state?: ZeusState; term?: number }> {
    const { store, ha } = opts;
    if (ha || !store) return {};
    if (!opts.fresh) {
      const state = await store.load().catch((e: unknown) => {
        throw new Error(`${(e as Error).message}: fix or remove it, or start with --fresh to discard it`, { cause: e });
      });
      if (state)
        log.info("restoring the state saved in {path} at {at}: {what}", { path: store.where, at: state.savedAt, what: discarded(state) });
      else log.info("no state in {path} yet: starting empty", { path: store.where });
      return { ...(state ? { state } : {}), term: nextTerm(state) };
    }
    let what: string;
    let term = 1;
    try {
      const state = await store.load();
      what = state ? discarded(state) : "nothing (no state saved yet)";
      term = nextTerm(state);
    } catch (e) {
      what = `an unreadable state (${(e as Error).message})`;
    }
    log.warn("--fresh: starting without the state saved in {path}; discarding {what}", { path: store.where, what });
    return { term };
  }

  private constructor(
    readonly opts: ZeusOptions,
    /** A single zeus's saved state (`--restore`), for its one term. */
    readonly fileState: ZeusState | undefined,
    /** A single zeus's leadership term, saved in its state file (undefined: none, with etcd or no store). */
    readonly fileTerm?: number,
  ) {
    const store = opts.store;
    const clock = (this.#clock = opts.clock ?? systemClock);
    this.#idle = new Coordinator(
      { now: () => clock.monotonic(), wallNow: () => clock.now(), send: () => {}, close: () => {}, changed: () => {} },
      { ...this.#coordinatorOptions(false), settleMs: 0 },
    );
    this.#saver =
      store &&
      new StateSaver(store, () => this.#snapshot(), {
        mayWrite: () => this.canAct(),
        refused: (why) => opts.ha?.stepDown(why),
        // While the term settles after a restart, its changes are the emperors reporting what the
        // restored state says: a write of 1 000 000 copies every 2 s (about 30 % of zeus's
        // JavaScript in a TLS storm of 200 000 copies) made the storm longer. The settle time's
        // end is a change, written. Admin commands still write before they answer
        // (admin_commands.ts savedFirst), and a single zeus's term is written before it listens.
        hold: () => this.#term?.core.settling ?? false,
      });
    this.clientCerts = opts.tls?.clientAuth === "required";
    this.ui = new ZeusConsole({
      status: (view) => this.#status(view),
      core: () => this.core,
      relay: () => this.relay,
      hub: () => this.hub,
      clientCerts: this.clientCerts,
      admins: opts.admins ?? [],
    });
    this.relay = this.#makeRelay();
    this.hub = this.#makeHub();
    this.strangers = new Strangers({
      log,
      watchFds: true,
      max: ZEUS_MAX_STRANGERS,
      // A stranger's silence is a timeout too: judged on the monotonic clock.
      now: () => clock.monotonic(),
      refuse: (conn, reason) => {
        conn.write(encodePacket(encodeMessage({ type: "ERROR", reason })));
        conn.close();
      },
    });
  }

  /** The coordinator of the current term (an idle one while a standby). */
  get core(): Coordinator {
    return this.#term?.core ?? this.#idle;
  }

  /** Work done so far: changes, emperors' reports, `/status` documents made (heartbeats are not work). */
  get work(): number {
    return this.#work + this.core.reports;
  }

  /** Rescans the vassals directory now (SIGHUP). */
  rescan(): void {
    this.opts.vassals.rescan();
  }

  /** Stops listening and watching (after saving the state); emperors keep their vassals and redial. */
  async stop(): Promise<void> {
    this.#on({ kind: "stop" });
    await this.#stopped.promise;
  }

  /** Whether this zeus leads and can prove it right now (a single zeus always can). */
  canAct(): boolean {
    return !this.opts.ha || this.opts.ha.canAct();
  }

  /** The term a new emperor joins: undefined unless a term runs and the lease is proven. */
  joinable(): LeadershipTerm | undefined {
    return this.canAct() ? this.#term : undefined;
  }

  /**
   * The term zeus's commands carry: with etcd, the revision that created this zeus's leader
   * key (emperors refuse an older one: a deposed leader cannot act); a single zeus with a
   * state file, the term saved there (one more at each start); without one, none.
   */
  fencingTerm(): number | undefined {
    if (!this.opts.ha) return this.fileTerm;
    const r = this.opts.ha.leaderRevision;
    return r !== undefined && r > 0 ? r : undefined;
  }

  /**
   * The state to save: the running term's, a large one made a slice at a time
   * (state_snapshot.ts). None while no term runs (standing by, or taking over: the idle
   * coordinator knows nothing, and writing its empty state would delete the saved one), nor
   * when the term ended while its snapshot was being made.
   */
  async #snapshot(): Promise<ZeusState | undefined> {
    const term = this.#term;
    if (!term) return undefined;
    const { core } = term;
    const state = core.vassals.size <= SLICED_STATE_ABOVE ? core.snapshot() : await core.snapshotSliced();
    return this.#term === term ? this.#stamped(state) : undefined;
  }

  /** `state` with a single zeus's term, as saved. */
  #stamped(state: ZeusState): ZeusState {
    return this.fileTerm === undefined ? state : { ...state, term: this.fileTerm };
  }

  /** The leader a standby names in NOT_LEADER ("" while none is known, or this zeus leads). */
  leaderAddress(): string {
    return this.opts.ha?.leaderAddress() ?? "";
  }

  /**
   * Whether callers wait instead of hearing NOT_LEADER: while this zeus takes over (elected,
   * reading the state: at 100 000 copies several seconds, in which 1 000 emperors dialled
   * about 5 000 times), and while it stands by for a leader at its own address (its killed
   * predecessor, whose lease it is ending: sending emperors there sends them here again).
   */
  holding(): boolean {
    if (this.#state === "taking-over") return true;
    const leader = this.leaderAddress();
    return this.#state === "standby" && leader !== "" && leader === this.opts.ha?.address;
  }

  /** A packet is read: a block of the loop just ended counts as deaf before the packet is judged. */
  heard(): void {
    this.core.deaf(this.#deaf.heard(this.#clock.monotonic()));
  }

  /** A connection closed for good. */
  forget(id: number): void {
    this.#conns.delete(id);
  }

  async #open(): Promise<void> {
    const { opts } = this;
    const { store, ha } = opts;
    // Until it listens, zeus hears nobody: the first tick counts the start (reading 100 000
    // files takes seconds) as deaf time, which the settle time and silences leave out.
    this.#deaf = new DeafClock(this.#clock.monotonic());
    if (store && !ha) {
      // Fail at start, not at the first change, when the state cannot be written.
      try {
        // The term is on disk before any command carries it.
        await store.save(this.#stamped(this.fileState ?? this.#idle.snapshot()));
      } catch (e) {
        throw new Error(`cannot write state file ${store.where}: ${errCode(e)}`, { cause: e });
      }
    }
    await opts.vassals.start((c) => this.#filesChanged(c));
    ha?.vassalSetChanged(this.#digests); // an empty set reports no change, and is a set too
    if (!ha) this.#on({ kind: "elected" });
    await this.#listen();
    if (ha) {
      ha.onChange((lead) => this.#on({ kind: lead ? "elected" : "deposed" }));
      ha.start(this.port);
    }
    this.#ticker = this.#clock.setInterval(() => this.#tick(), TICK_MS);
    this.#serveStats();
  }

  #on(e: ServerEvent): void {
    const step = serverStep(this.#state, e);
    if (!step) return log.error("zeus {state}: unexpected {event}", { state: this.#state, event: e.kind });
    this.#state = step.next;
    for (const a of step.actions) this.#act(a, e);
    // The callers held while taking over join the term just begun, or hear where the leader is.
    if (!this.holding()) void this.#releaseHeld();
  }

  /**
   * Hands the callers held while taking over what they sent, {@link RELEASE_SLICE} connections a
   * turn of the event loop: 5 000 emperors' hellos and reports of 200 copies each, handled at
   * once, held the loop 4.2 s and the new leader's lease ran out. Until its turn a held
   * connection goes on holding what arrives, in order.
   */
  async #releaseHeld(): Promise<void> {
    if (this.#releasing) return;
    this.#releasing = true;
    try {
      for (;;) {
        const held = [...this.#conns.values()].filter((c) => c.holding);
        if (held.length === 0 || this.holding()) return;
        for (let i = 0; i < held.length; i++) {
          if (i > 0 && i % RELEASE_SLICE === 0) await nextTurn();
          if (this.holding()) return;
          held[i]!.release();
        }
      }
    } finally {
      this.#releasing = false;
    }
  }

  #act(a: ServerAction, e: ServerEvent): void {
    switch (a.do) {
      case "load_state":
        return void this.#loadState();
      case "begin_term":
        return this.#beginTerm();
      case "end_term":
        this.#term?.end();
        this.#term = undefined;
        return;
      case "step_down":
        return this.opts.ha?.stepDown(a.why);
      case "flush":
        return void (this.#saver?.flush() ?? Promise.resolve()).then(() => this.#on({ kind: "flushed" }));
      case "shut_down":
        return this.#shutDown();
    }
  }

  /**
   * Reads the state a term starts from (a single zeus's, read at start, or the one in etcd now)
   * and builds the term from it, a slice at a time; then `loaded` begins it. A load that a
   * newer one replaced, or whose leadership ended meanwhile, stops and sends nothing.
   */
  async #loadState(): Promise<void> {
    const { store, ha } = this.opts;
    const load = ++this.#loads;
    const wanted = () => load === this.#loads && this.#state === "taking-over";
    let state = this.fileState;
    if (ha && store) {
      try {
        state = await store.load();
      } catch (e) {
        if (!wanted()) return;
        log.error("cannot load the state from {path}: {error}; not leading", { path: store.where, error: (e as Error).message });
        return this.#on({ kind: "load-failed", why: "the state could not be loaded" });
      }
      if (!wanted()) return;
    }
    this.#changedWhileBuilding = [];
    const term = await LeadershipTerm.begin(this.#termOptions(state !== undefined), state, wanted);
    if (!term) return;
    this.#built = term;
    this.#on({ kind: "loaded", canAct: ha ? ha.canAct() : true });
    this.#built = undefined;
  }

  /** The term just built begins: the files changed meanwhile reach it, and its state is saved. */
  #beginTerm(): void {
    const term = this.#built;
    if (!term) return log.error("zeus: a term was to begin with none built");
    this.#term = term;
    for (const c of this.#changedWhileBuilding.splice(0)) term.filesChanged(c);
    this.#saver?.queue();
  }

  #termOptions(restored: boolean): TermOptions {
    const { opts } = this;
    return {
      coordinator: this.#coordinatorOptions(restored),
      vassals: opts.vassals,
      canAct: () => this.canAct(),
      clock: this.#clock,
      changed: () => {
        this.#work++;
        this.#saver?.queue();
        this.ui.poke();
      },
      arriving: () => (this.#listener?.handshaking ?? 0) + this.strangers.guard.size,
      ...(opts.ha ? { aliveEveryMs: Math.max(100, opts.deadAfterMs / 4) } : {}),
      ...(opts.store ? { from: opts.store.where } : {}),
    };
  }

  #coordinatorOptions(restored: boolean): CoordinatorOptions {
    const { opts } = this;
    return {
      deadAfterMs: opts.deadAfterMs,
      // Without a restore, a short settle (the emperors' longest redial delay, 2 s, plus a
      // margin) still lets emperors that were redialling report what they run before
      // anything new is started. A takeover also waits for emperors leaving the old leader.
      settleMs: restored ? opts.deadAfterMs + (opts.ha ? 2000 : 0) : Math.min(2500, opts.deadAfterMs),
      maxRejections: 3,
      ...(opts.placeTimeoutMs ? { placeTimeoutMs: opts.placeTimeoutMs } : {}),
      ...(opts.rescheduleAfter ? { rescheduleAfter: opts.rescheduleAfter } : {}),
    };
  }

  #filesChanged(c: DirChanges): void {
    const { ha, vassals } = this.opts;
    if (ha) {
      for (const name of [...c.added, ...c.changed]) this.#digests.set(name, sha256Hex(vassals.read(name) ?? new Uint8Array()));
      for (const name of c.removed) this.#digests.delete(name);
      ha.vassalSetChanged(this.#digests);
    }
    if (this.#state === "taking-over") this.#changedWhileBuilding.push(c);
    this.#term?.filesChanged(c);
  }

  #tick(): void {
    // A late tick: the loop was blocked and read no heartbeat meanwhile; that time is nobody's silence.
    this.core.deaf(this.#deaf.tick(this.#clock.monotonic()));
    this.strangers.tick();
    this.#term?.tick();
  }

  async #listen(): Promise<void> {
    const { opts } = this;
    this.#listener = await listen({
      host: opts.host,
      port: opts.port,
      ...(opts.tls ? { tls: opts.tls } : {}),
      // Longer than an emperor's longest dial: a handshake it still waits for is finished.
      handshakeTimeoutSeconds: ZEUS_HANDSHAKE_S,
      // At the TLS handshake nothing yet says whether an emperor or an admin client calls.
      onRefused: refusalLogger((m, p) => log.warn(m, p), "client (emperor or admin)"),
      onConn: (conn: Conn) => {
        if (!this.strangers.admit(conn)) return;
        const id = ++this.#nextConn;
        this.#conns.set(id, new ZeusConnection(id, conn, this));
      },
    });
    this.port = this.#listener.port;
    if (!opts.tls)
      log.warn("zeus listens on {host}:{port} without TLS: anyone who reaches it can take vassals", { host: opts.host, port: this.port });
    else if (opts.tls.clientAuth !== "required") log.warn("zeus serves TLS without client auth: any emperor can connect");
    log.info("zeus on {host}:{port}, vassals from {dir}", { host: opts.host, port: this.port, dir: opts.vassals.where });
  }

  #makeRelay(): StreamRelay {
    const emperor = (id: number) => {
      const c = this.#conns.get(id);
      return c?.role === "emperor" ? c : undefined;
    };
    return new StreamRelay(
      {
        toAdmin: (id, f) => (this.ui.logs.owns(id) ? this.ui.logs.frame(id, f) : this.#conns.get(id)?.sendFrame(f)),
        toEmperor: (id, f) => emperor(id)?.sendFrame(f),
        now: () => this.#clock.monotonic(),
      },
      (vassal, node, kind) => {
        if (this.canAct()) return locateVassal(this.core, vassal, node, kind);
        const leader = this.opts.ha?.leaderAddress();
        return {
          code: "not-leader",
          reason: leader
            ? `this zeus is a standby: ask the leader at ${leader} (--zeus ${leader})`
            : "this zeus is a standby and no leader is elected yet: try again",
        };
      },
    );
  }

  #makeHub(): AdminHub<ZeusAdminContext> {
    const { opts } = this;
    const core = () => this.core;
    const ctx: ZeusAdminContext = {
      get core() {
        return core();
      },
      vassals: opts.vassals,
      leader: () => (this.canAct() ? undefined : (opts.ha?.leaderAddress() ?? "")),
      saved: () => this.#saver?.flush() ?? Promise.resolve(),
    };
    return new AdminHub(
      {
        send: (id, f) => this.#conns.get(id)?.sendFrame(f),
        close: (id) => this.#conns.get(id)?.drop("closed by the admin hub"),
        remote: (id) => this.#conns.get(id)?.remote ?? "?",
      },
      {
        verdict: (id) => {
          const c = this.#conns.get(id)!.conn;
          const clientCerts = this.clientCerts;
          return adminVerdict({ remote: c.remote, certNames: clientCerts ? c.peerNames : [], clientCerts, admins: opts.admins ?? [] });
        },
        commands: leaderOnly(savedFirst({ ...ZEUS_ADMIN_COMMANDS, ...this.ui.adminCommands })),
        ctx,
        server: "zeus",
        streams: this.relay,
      },
    );
  }

  #status(view: StatusView = {}): ZeusStatus {
    this.#work++;
    return { ...zeusStatus(this.core, view), ...this.#lastFields() };
  }

  /** The fields of `/status` after its rows: `ha` with several zeus, `handshakes` with TLS. */
  #lastFields(): Pick<ZeusStatus, "ha" | "handshakes"> {
    const { ha, tls } = this.opts;
    return { ...(ha ? { ha: ha.status() } : {}), ...(tls && this.#listener ? { handshakes: this.#listener.handshakes } : {}) };
  }

  /**
   * `/status`: its vassals counted at once, or a slice per turn beyond STATUS_SLICE of them (a
   * monitor's `?summary` must not hold zeus's loop while thousands of emperors come back); its
   * rows made at once, or streamed a slice at a time beyond STREAM_ROWS rows.
   */
  #statsStatus(view: StatusView): ZeusStatus | StreamedStatus | Promise<ZeusStatus | StreamedStatus> {
    this.#work++;
    const core = this.core;
    if (core.vassals.size <= STATUS_SLICE) return this.#statusOf(statusPlan(core, view));
    return statusPlanSliced(core, view).then((plan) => this.#statusOf(plan));
  }

  #statusOf(plan: StatusPlan): ZeusStatus | StreamedStatus {
    const last = this.#lastFields();
    if (plan.rows.length > STREAM_ROWS) return { streamed: (head) => statusStream(plan, head, last) };
    return { ...statusOf(plan), ...last };
  }

  #serveStats(): void {
    const { stats, ha } = this.opts;
    if (!stats) return;
    // A standby is up but not in charge: 503, so that a load balancer or a check sends to the leader.
    const health = () =>
      !ha || this.canAct()
        ? { ok: true, text: [ha ? "leader" : "ok", ...fleetDrainLines(this.core.emperors.values())].join("; ") }
        : { ok: false, text: `standby${ha.leaderAddress() ? `: the leader is ${ha.leaderAddress()}` : ": no leader elected yet"}` };
    const status = (query: URLSearchParams) => this.#statsStatus(statusView(query));
    this.#stats = serveStats(stats.host, stats.port, { status, metrics: () => zeusMetrics(this.core), health, ui: this.ui.handle });
    this.statsPort = this.#stats.port;
    this.ui.served(stats.host, this.statsPort);
    log.info("stats on http://{host}:{port}/status", { host: stats.host, port: this.statsPort });
  }

  #shutDown(): void {
    this.#saver?.stop();
    // The connections closing now are not emperors lost: the state keeps their assignments.
    for (const c of [...this.#conns.values()]) c.abandon();
    this.#clock.clearInterval(this.#ticker);
    this.opts.vassals.stop();
    this.#listener?.close();
    this.ui.close();
    this.#stats?.stop();
    void Promise.resolve(this.opts.ha?.stop()).then(() => this.#stopped.resolve(), this.#stopped.reject);
  }
}
