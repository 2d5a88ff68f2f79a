/**
 * The coordinator's core (sans I/O): emperors, vassals and their copies, driven by
 * connection events, Zeus messages, directory changes and a clock; it answers with
 * messages to send and connections to close through {@link CoordinatorIO}.
 *
 * @module
 */
import { getLogger, quoteInput } from "../log/mod.ts";
import { certMatches } from "../tls/mod.ts";
import { type ReportedVassal, sha256Hex, type ZeusMessage } from "../zeus_protocol/mod.ts";
import { CopyKeeper } from "./copy_keeper.ts";
import type { CopyEvent } from "./copy_lifecycle.ts";
import {
  type CoordinatorCounters,
  type CoordinatorIO,
  type CoordinatorOptions,
  type HeartbeatFigures,
  newCoordinatorCounters,
  plural,
} from "./coordinator_types.ts";
import { configsOf, copiesWanted, type EmperorRecord, emperorOf, newVassal, NO_REJECTIONS, type VassalRecord } from "./records.ts";
import { restoreState, restoreStateSliced, snapshotState, snapshotStateSliced } from "./state_snapshot.ts";
import type { ZeusState } from "./state_file.ts";
import { wantedCopies } from "./vassal_copies.ts";
import { AdminError } from "../errors.ts";
import { drainState, stepDrains } from "./drain.ts";
import { forgetRevert, keepReverted, mayNeedTick, noteGood, startRollout, stepRollout } from "./rolling.ts";
import { restartVassal, startVassal, stopVassal } from "./vassal_control.ts";
import { type SettleFacts, settleOver } from "./settle_rule.ts";
import { silenceMs } from "./deaf_clock.ts";

export type { CoordinatorCounters, CoordinatorIO, CoordinatorOptions, HeartbeatFigures } from "./coordinator_types.ts";

const log = getLogger("zeus", "coordinator");
const text = new TextDecoder();
const CONTROLS = { restart: restartVassal, stop: stopVassal, start: startVassal };

/**
 * The coordinator. Connections are numbered by the caller; file events come from the
 * imperial monitor; `tick()` should run a few times a second.
 *
 * @example
 * ```ts
 * declare const io: CoordinatorIO;
 * const core = new Coordinator(io, { deadAfterMs: 5000, settleMs: 1000, maxRejections: 3 });
 * core.fileSet("app.toml", bytes);
 * core.connOpened(1, "10.0.0.2:51000");
 * core.message(1, { type: "I_AM_ALIVE", node: "n1", maxVassals: 10, runningVassals: 0 });
 * ```
 */
export class Coordinator {
  readonly emperors = new Map<string, EmperorRecord>();
  readonly vassals = new Map<string, VassalRecord>();
  /** Every config a vassal runs or may go back to (its `config` and `lastGood`), by digest. */
  readonly configs = configsOf(this.vassals);
  readonly counters: CoordinatorCounters = newCoordinatorCounters();
  /** How heartbeats are read: the longest gap, and the time zeus was too busy to read them. */
  readonly heartbeats: HeartbeatFigures = { max_gap_ms: 0, max_silence_ms: 0, deaf_ms: 0, max_deaf_ms: 0 };
  /**
   * Messages from emperors other than heartbeats, so far: a report may change what `/status`
   * shows without changing what is saved (a restart count). Whoever reads every vassal's row
   * (the console's histories) reads them again only when this moved or something changed.
   */
  reports = 0;
  readonly #copies: CopyKeeper;
  #conns = new Map<number, { remote: string; node?: string; certNames?: string[] }>();
  /** Emperors already warned that their heartbeat is too slow for --dead-after. */
  #slowWarned = new Set<string>();
  /** When the settle time began (the term's start); undefined once it ended, or with none. */
  #settleFrom: number | undefined;
  /** Emperors the restored state gave copies to: once all have reported, settling ends early. */
  #awaited = new Set<string>();
  /** Listening time (the clock less deaf time) at the last emperor's REPORT_END. */
  #lastReport = Number.NEGATIVE_INFINITY;

  constructor(
    readonly io: CoordinatorIO,
    readonly opts: CoordinatorOptions,
  ) {
    this.#settleFrom = opts.settleMs > 0 ? io.now() : undefined;
    this.#copies = new CopyKeeper(io, opts, this.emperors, this.vassals, this.counters, this.configs);
  }

  /**
   * The vassals the tick visits (a rollout, a last good config to note, a failure to clear;
   * copy_keeper.ts): every vassal that may need it is among them (a property test holds it).
   */
  get unsettled(): ReadonlySet<VassalRecord> {
    return this.#copies.unsettled;
  }

  /** Whether placement still waits for emperors to come back after start. */
  get settling(): boolean {
    return this.#settleFrom !== undefined;
  }

  /** Loads a saved state: its copies wait, as "restored", for their emperors' reports. */
  restore(state: ZeusState): void {
    this.#restored(restoreState(state, this.emperors, this.vassals, this.configs));
  }

  /** {@link restore}, a slice of vassals per turn of the event loop (a term taking over a large state). */
  async restoreSliced(state: ZeusState): Promise<void> {
    this.#restored(await restoreStateSliced(state, this.emperors, this.vassals, this.configs));
  }

  /** The restored copies wait for `awaited` emperors; every vassal is visited by the next tick. */
  #restored(awaited: Set<string>): void {
    this.#awaited = awaited;
    for (const v of this.vassals.values()) this.#copies.unsettled.add(v);
  }

  /** The state to save. */
  snapshot(): ZeusState {
    return snapshotState(this.emperors, this.vassals, this.configs, this.wallTime(this.io.now()), (t) => this.wallTime(t));
  }

  /** The state to save, made a slice of vassals per turn of the event loop (state_snapshot.ts). */
  snapshotSliced(): Promise<ZeusState> {
    return snapshotStateSliced(this.emperors, this.vassals, this.configs, this.wallTime(this.io.now()), (t) => this.wallTime(t));
  }

  /**
   * The wall-clock time (ms since the epoch) of `t`, a reading of the coordinator's
   * monotonic clock: for showing and saving times, never for judging them.
   *
   * @example
   * ```ts
   * const e = core.emperors.get("n1")!;
   * new Date(core.wallTime(e.lastSeen)).toISOString(); // when its last I_AM_ALIVE came
   * ```
   */
  wallTime(t: number): number {
    return this.io.wallNow ? this.io.wallNow() - (this.io.now() - t) : t;
  }

  // ---- connections ------------------------------------------------------------------

  /**
   * A connection was accepted. `certNames` (the names of its verified client certificate,
   * when zeus requires one) must include the node it registers as.
   */
  connOpened(conn: number, remote: string, certNames?: string[]): void {
    this.#conns.set(conn, certNames ? { remote, certNames } : { remote });
  }

  /** A connection closed (by the peer, an error, or us). */
  connClosed(conn: number, why = "connection closed"): void {
    const c = this.#conns.get(conn);
    this.#conns.delete(conn);
    const e = c?.node ? this.emperors.get(c.node) : undefined;
    if (e && e.conn === conn) this.#lose(e, why);
  }

  /** A connection broke the protocol: it is told why and closed; nobody else is affected. */
  protocolError(conn: number, reason: string): void {
    const c = this.#conns.get(conn);
    this.counters.protocol_errors++;
    log.error("protocol error from {who}: {reason}; closing that connection", { who: c?.node ?? c?.remote ?? conn, reason });
    this.io.send(conn, { type: "ERROR", reason });
    this.connClosed(conn, `protocol error: ${reason}`);
    this.io.close(conn, reason);
  }

  /** A message arrived on a connection. */
  message(conn: number, m: ZeusMessage): void {
    const c = this.#conns.get(conn);
    if (!c) return;
    if (!c.node) {
      if (m.type !== "I_AM_ALIVE") return this.protocolError(conn, `the first message must be I_AM_ALIVE, got ${m.type}`);
      return this.#register(conn, c, m);
    }
    const e = this.emperors.get(c.node)!;
    if (m.type !== "I_AM_ALIVE") this.reports++;
    switch (m.type) {
      case "I_AM_ALIVE":
        return this.#alive(conn, e, m);
      case "VASSAL_REPORT":
        if (e.ready) return this.protocolError(conn, "VASSAL_REPORT after REPORT_END");
        e.report.push(...m.vassals);
        return;
      case "REPORT_END":
        if (e.ready) return this.protocolError(conn, "a second REPORT_END");
        if (m.count !== e.report.length)
          return this.protocolError(conn, `REPORT_END says ${m.count} vassals, the reports listed ${e.report.length}`);
        return this.#reconcile(e, e.report.splice(0));
      case "ERROR":
        log.warn("emperor {node} reports an error: {reason}", { node: e.node, reason: m.reason });
        return;
      case "NOT_LEADER":
      case "ZEUS_ALIVE":
        return this.protocolError(conn, `${m.type} may not be sent by an emperor`);
      default:
        if (!e.ready) return this.protocolError(conn, `${m.type} before REPORT_END`);
        return this.#copies.message(e, m, this.settling);
    }
  }

  /** Checks heartbeats and the end of the start-up settle time; call a few times a second. */
  tick(): void {
    const now = this.io.now();
    for (const e of this.emperors.values()) {
      if (!e.alive || this.#silence(e, now) <= this.opts.deadAfterMs) continue;
      const reason = `no I_AM_ALIVE for ${(this.#silence(e, now) / 1000).toFixed(1)} s`;
      const conn = e.conn!;
      this.#conns.delete(conn);
      this.#lose(e, reason);
      this.io.close(conn, reason);
    }
    if (this.settling && settleOver(this.#settleFacts(now))) this.#endSettle();
    this.#copies.expire(now);
    if (this.settling) return;
    let changed = stepDrains(this.#copies, now, this.wallTime(now));
    const unsettled = this.#copies.unsettled;
    for (const v of unsettled) {
      if (this.vassals.get(v.name) !== v) {
        unsettled.delete(v);
        continue;
      }
      changed = stepRollout(this.#copies, v, now) || changed;
      changed = noteGood(this.#copies, v) || changed;
      changed = this.#copies.recovered(v) || changed;
      if (!mayNeedTick(v)) unsettled.delete(v);
    }
    if (!changed) return;
    this.io.changed();
    this.#placePending();
  }

  /**
   * zeus's loop was blocked for `ms` (its timer came that late): it read no connection
   * meanwhile, so that time is no emperor's silence, and does not count towards settling. An emperor is declared dead after
   * `deadAfterMs` of silence zeus was listening to: a heartbeat waiting in a socket while
   * zeus was busy is judged as it arrived, not as zeus got to it.
   *
   * @example
   * ```ts
   * core.deaf(7000); // a 7 s block: nobody is dead for it
   * core.tick();
   * ```
   */
  deaf(ms: number): void {
    if (ms <= 0) return;
    this.heartbeats.deaf_ms += ms;
    this.heartbeats.max_deaf_ms = Math.max(this.heartbeats.max_deaf_ms, ms);
  }

  /**
   * What ends the settle time (settle_rule.ts). A takeover or --restore need not wait once
   * every emperor that held copies has reported, or holds none any more (each was reported
   * running elsewhere: e.g. moved off an emperor that died just before zeus did, and saved
   * before the move was), and no vassal is short of a copy: one placed but not saved yet runs
   * on an emperor the state does not name. Settling counts the time zeus listened: a start that
   * read 100 000 files, or a blocked loop, does not eat the emperors' time to come back.
   */
  #settleFacts(now: number): SettleFacts {
    const listening = now - this.heartbeats.deaf_ms;
    const awaiting = [...this.#awaited].some((n) => !this.#nothingAwaited(n));
    return {
      listened: listening - this.#settleFrom!,
      settleMs: this.opts.settleMs,
      allBack: this.#awaited.size > 0 && !awaiting && this.#noneShort(),
      awaiting,
      arriving: this.io.arriving?.() ?? 0,
      sinceReport: listening - this.#lastReport,
    };
  }

  /** How long `e` has been silent while zeus listened. */
  #silence(e: EmperorRecord, now: number): number {
    return silenceMs(now, e.lastSeen, this.heartbeats.deaf_ms, e.deafAtSeen ?? 0);
  }

  #seen(e: EmperorRecord, now: number): void {
    e.lastSeen = now;
    e.deafAtSeen = this.heartbeats.deaf_ms;
  }

  // ---- admin commands ---------------------------------------------------------------

  /**
   * `zeus drain NODE [--deadline DURATION] [--force]`: nothing new goes to `node`; its
   * vassals move away one at a time; at `deadlineMs` from now (or at once with `force`) the
   * copies left are stopped. Again on a draining emperor: sets the deadline or force given.
   *
   * @throws {AdminError} `no-such-node` for an emperor zeus never saw
   */
  drain(node: string, how: { deadlineMs?: number; force?: boolean } = {}): string {
    const e = this.#known(node);
    const deadline = how.deadlineMs !== undefined ? this.wallTime(this.io.now()) + how.deadlineMs : undefined;
    const again = e.draining;
    if (!again) {
      e.draining = true;
      e.drain = { total: e.names.size, moved: 0, blocked: {}, said: "" };
      log.info("draining emperor {node}: moving {n} away", { node, n: plural(e.names.size, "vassal", "vassals") });
    }
    const d = (e.drain ??= { total: e.names.size, moved: 0, blocked: {}, said: "" });
    if (deadline !== undefined && !d.ended) d.deadline = deadline;
    if (how.force && !d.ended) d.force = true;
    this.io.changed();
    this.tick();
    const until = d.deadline !== undefined && !d.ended ? `, deadline ${new Date(d.deadline).toISOString()}` : "";
    if (again) return `${node} is already ${drainState(e)}${until}`;
    return `draining ${node}: ${plural(d.total, "vassal", "vassals")} to move${until}`;
  }

  /**
   * `zeus undrain NODE`: `node` takes vassals again; copies still waiting to move stay.
   *
   * @throws {AdminError} `no-such-node`
   */
  undrain(node: string): string {
    const e = this.#known(node);
    if (!e.draining) return `${node} was not draining`;
    e.draining = false;
    delete e.drain;
    for (const name of [...e.names]) {
      const v = this.vassals.get(name)!;
      const c = v.copiesOn.get(node)!;
      if (c.state === "moving") this.#copies.step(v, c, { kind: "undrain", ...this.#copies.lastVerdict(c) });
    }
    for (const v of this.vassals.values()) this.#copies.trim(v);
    log.info("emperor {node} undrained", { node });
    this.io.changed();
    this.#placePending();
    return `${node} takes vassals again`;
  }

  /**
   * `zeus forget NODE`: drops a dead emperor from the list.
   *
   * @throws {AdminError} `no-such-node`, or `failed` when it is alive
   */
  forget(node: string): string {
    const e = this.#known(node);
    if (e.alive) throw new AdminError("failed", `emperor ${node} is alive: stop it first (or drain it to move its vassals)`);
    for (const name of [...e.names]) {
      const v = this.vassals.get(name)!;
      this.#copies.step(v, v.copiesOn.get(node)!, { kind: "lost" });
    }
    this.emperors.delete(node);
    log.info("emperor {node} forgotten", { node });
    this.io.changed();
    this.#placePending();
    return `forgot ${node}`;
  }

  /**
   * `zeus restart|stop|start VASSAL[@NODE]` (vassal_control.ts): returns what was done.
   *
   * @throws {AdminError} `no-such-vassal`, `bad-request`, `failed`
   */
  control(what: "restart" | "stop" | "start", vassal: string, node?: string): string {
    const scope = { keeper: this.#copies, vassals: this.vassals, emperors: this.emperors };
    const said = CONTROLS[what](scope, vassal, node);
    const v = this.vassals.get(vassal);
    if (v) this.#copies.unsettled.add(v);
    if (what === "restart") return said;
    this.io.changed();
    this.#placePending();
    return said;
  }

  #known(node: string): EmperorRecord {
    const e = this.emperors.get(node);
    if (!e) throw new AdminError("no-such-node", `no emperor ${quoteInput(node)} (zeus status lists them)`);
    return e;
  }

  // ---- the imperial monitor ---------------------------------------------------------

  /** A config file appeared or its content changed (an empty one is not a config yet: ignored). */
  fileSet(name: string, body: Uint8Array): void {
    this.#fileSet(name, body);
    const v = this.vassals.get(name);
    if (v) this.#copies.unsettled.add(v);
  }

  #fileSet(name: string, body: Uint8Array): void {
    // Most likely caught between truncate and write: the next event brings the content.
    if (body.byteLength === 0) return void log.debug("vassal {name} is empty: waiting for its content", { name });
    const sha = sha256Hex(body);
    const wanted = wantedCopies(name, text.decode(body));
    let v = this.vassals.get(name);
    if (v && v.config && v.sha256 === sha && !v.error) return void (forgetRevert(v) && this.io.changed());
    if (v && v.config && v.revertedFrom === sha && !v.error) return;
    if ("error" in wanted) {
      log.error("{error} (not placed until the file is fixed)", { error: wanted.error });
      if (!v) this.vassals.set(name, (v = newVassal(this.vassals, name, sha, 1)));
      v.error = wanted.error;
      return;
    }
    // Restored after an auto_revert: its copies stay on the last good config.
    if (v && keepReverted(v, sha, wanted, this.configs)) return void this.#placePending();
    const fresh = !v;
    v ??= newVassal(this.vassals, name, sha, wanted.copies);
    const contentChanged = v.sha256 !== sha;
    // A vassal restored failed stays failed until its file changes, as it would have without the restart.
    const failed = !v.config && !contentChanged ? v.failed : undefined;
    const config = this.configs.put(sha, body);
    // The store's digest: one string for every vassal of the same config.
    Object.assign(v, {
      config,
      sha256: this.configs.digest(config),
      copies: wanted.copies,
      error: undefined,
      failed,
      rejections: 0,
      reschedules: 0,
    });
    if (wanted.settings) v.settings = wanted.settings;
    else delete v.settings;
    if (!contentChanged) forgetRevert(v);
    v.rejectedBy = NO_REJECTIONS;
    if (fresh) log.info("new vassal {name} ({copies} wanted)", { name, copies: plural(v.copies, "copy", "copies") });
    else if (contentChanged) {
      log.info("vassal {name} changed: updating {n}", { name, n: plural(v.copiesOn.size, "copy", "copies") });
      startRollout(this.#copies, v, this.io.now());
    }
    this.#copies.trim(v);
    this.io.changed();
    this.#placePending();
  }

  /**
   * A config file was touched (mtime only): reload its copies. Emperors that refused it (a
   * disk full there, since freed) may take it again, and a vassal failed by refusals is
   * placed again: a touch is how an operator says "try again" without editing the file.
   */
  fileTouched(name: string): void {
    const v = this.vassals.get(name);
    if (!v || v.error) return;
    if (v.rejectedBy.size > 0 || v.failed !== undefined) {
      log.info("vassal {name} touched: offered again to every emperor that may take it (refused by {nodes})", {
        name,
        nodes: [...v.rejectedBy].sort().join(", ") || "none",
      });
      Object.assign(v, { rejectedBy: NO_REJECTIONS, rejections: 0, reschedules: 0, failed: undefined });
      this.#placePending();
      this.io.changed();
    }
    if (v.copiesOn.size === 0) return;
    this.#eachConnectedCopy(v, { kind: "touched" });
    log.info("vassal {name} touched: reloading", { name });
  }

  /** A config file was removed: destroy every copy. */
  fileRemoved(name: string): void {
    const v = this.vassals.get(name);
    if (!v) return;
    for (const node of [...v.copiesOn.keys()]) this.#copies.remove(v, node);
    this.vassals.delete(name);
    log.info("vassal {name} removed: destroying its copies", { name });
    this.io.changed();
  }

  // ---- internals --------------------------------------------------------------------

  #emperor(node: string): EmperorRecord {
    return emperorOf(this.emperors, node);
  }

  /** Gives `event` to every copy of `v` whose emperor is connected. */
  #eachConnectedCopy(v: VassalRecord, event: CopyEvent): void {
    for (const c of [...v.copiesOn.values()]) if (this.emperors.get(c.node)?.conn !== undefined) this.#copies.step(v, c, event);
  }

  /** Every copy `e` holds is lost (placed again elsewhere). */
  #loseCopies(e: EmperorRecord, each: (v: VassalRecord) => void): void {
    for (const name of [...e.names]) {
      const v = this.vassals.get(name)!;
      this.#copies.step(v, v.copiesOn.get(e.node)!, { kind: "lost" });
      each(v);
    }
    e.names.clear();
  }

  #register(
    conn: number,
    c: { remote: string; node?: string; certNames?: string[] },
    m: Extract<ZeusMessage, { type: "I_AM_ALIVE" }>,
  ): void {
    if (!/^[A-Za-z0-9._-]{1,255}$/.test(m.node))
      return this.protocolError(conn, `node name ${quoteInput(m.node, 64)} is not [A-Za-z0-9._-]{1,255}`);
    if (c.certNames && !certMatches(c.certNames, [m.node])) {
      return this.protocolError(
        conn,
        `node ${quoteInput(m.node)} does not match its certificate, which names ${c.certNames.join(", ") || "nothing"}`,
      );
    }
    const live = this.emperors.get(m.node);
    if (live?.conn !== undefined) {
      // Two emperors with one --node would take each other's vassals away: the second is
      // refused until the first is gone (closed, or silent for --dead-after).
      return this.protocolError(conn, `node "${m.node}" is already connected from ${live.remote}: is another emperor using that --node?`);
    }
    const e = this.#emperor(m.node);
    c.node = m.node;
    Object.assign(e, { conn, remote: c.remote, maxVassals: m.maxVassals, running: m.runningVassals });
    this.#seen(e, this.io.now());
    Object.assign(e, { alive: true, ready: false, report: [], labels: m.labels ?? {} });
    log.info("emperor {node} connected from {remote} (max {max} vassals)", { node: e.node, remote: c.remote, max: m.maxVassals });
    this.io.changed();
  }

  #alive(conn: number, e: EmperorRecord, m: Extract<ZeusMessage, { type: "I_AM_ALIVE" }>): void {
    if (m.node !== e.node) return this.protocolError(conn, `I_AM_ALIVE names node ${quoteInput(m.node)} on the connection of "${e.node}"`);
    const now = this.io.now();
    this.heartbeats.max_gap_ms = Math.max(this.heartbeats.max_gap_ms, now - e.lastSeen);
    // The emperor's own lateness: the time zeus was too busy to read is not its fault.
    const gap = this.#silence(e, now);
    this.heartbeats.max_silence_ms = Math.max(this.heartbeats.max_silence_ms, gap);
    if (gap > this.opts.deadAfterMs / 2 && !this.#slowWarned.has(e.node)) {
      this.#slowWarned.add(e.node);
      log.warn(
        "emperor {node} sent I_AM_ALIVE {gap} s after the last one; with --dead-after {dead} it may be declared dead: give it --heartbeat {hb}",
        {
          node: e.node,
          gap: (gap / 1000).toFixed(1),
          dead: this.opts.deadAfterMs / 1000,
          hb: Math.max(0.1, Math.floor(this.opts.deadAfterMs / 500) / 10),
        },
      );
    }
    this.#seen(e, now);
    e.running = m.runningVassals;
    e.labels = m.labels ?? {};
    if (m.maxVassals !== e.maxVassals) {
      e.maxVassals = m.maxVassals;
      this.io.changed();
      this.#placePending();
    }
  }

  #lose(e: EmperorRecord, why: string): void {
    this.counters.emperors_lost++;
    log.warn("emperor {node} lost ({why}): moving {n}", { node: e.node, why, n: plural(e.names.size, "vassal", "vassals") });
    Object.assign(e, { conn: undefined, alive: false, ready: false, report: [] });
    this.#loseCopies(e, (v) => v.moves++);
    this.io.changed();
    this.#placePending();
  }

  /**
   * Whether restored node `n` has reported, or holds no copy any more: nothing placed waits
   * for it then (a destroy still owed to it is sent when it comes back, settled or not).
   */
  #nothingAwaited(n: string): boolean {
    const e = this.emperors.get(n);
    return !e || e.ready || e.names.size === 0;
  }

  /** Whether every vassal that can be placed has the copies it wants (settling would place none). */
  #noneShort(): boolean {
    for (const v of this.vassals.values()) if (v.config && !v.error && !v.failed && v.copiesOn.size < copiesWanted(v)) return false;
    return true;
  }

  #endSettle(): void {
    this.#settleFrom = undefined;
    for (const e of this.emperors.values()) {
      if (e.ready) continue;
      const names: string[] = [];
      this.#loseCopies(e, (v) => names.push(v.name));
      // One line an emperor: at 1 000 000 copies a line a vassal was 158 643 lines in 4 s.
      if (names.length > 0)
        log.warn("emperor {node} did not come back: placing its {n} vassals again ({names})", {
          node: e.node,
          n: names.length,
          names: namesShown(names),
        });
    }
    this.io.changed();
    this.#placePending();
  }

  #reconcile(e: EmperorRecord, reported: ReportedVassal[]): void {
    this.#copies.applyReport(e, reported);
    e.ready = true;
    this.#lastReport = this.io.now() - this.heartbeats.deaf_ms;
    log.info("emperor {node} reported {n}; it holds {held}", {
      node: e.node,
      n: plural(reported.length, "vassal", "vassals"),
      held: e.names.size,
    });
    this.io.changed();
    this.#placePending();
  }

  #placePending(): void {
    this.#copies.place(this.settling);
  }
}

/** Up to five names, and how many more: "a.toml, b.toml and 198 more". */
function namesShown(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(", ");
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}
