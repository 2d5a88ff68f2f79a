/**
 * The coordinator's core (sans I/O): emperors, vassals and their copies, driven by
 * connection events, Zeus messages, directory changes and a clock; it answers with
 * messages to send and connections to close through {@link CoordinatorIO}.
 *
 * @module
 */
import { getLogger } from "../log/logging.ts";
import { certMatches } from "../tls/names.ts";
import { configMessages, type ReportedVassal, sha256Hex, type ZeusMessage } from "../zeus_protocol/mod.ts";
import { placeAll, type Want } from "./placement.ts";
import type { Copy, EmperorRecord, VassalRecord } from "./records.ts";
import { planReconcile } from "./reconcile.ts";
import type { ZeusState } from "./state_file.ts";
import { wantedCopies } from "./vassal_copies.ts";

const log = getLogger("zeus", "coordinator");

/** "1 copy", "3 copies": log lines read as sentences. */
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const text = new TextDecoder();

/** What the core drives. */
export interface CoordinatorIO {
  now(): number;
  send(conn: number, m: ZeusMessage): void;
  /** Closes a connection; the core has already forgotten it. */
  close(conn: number, reason: string): void;
  /** Emperors or assignments changed: persist. */
  changed(): void;
}

/** Tunables of the core. */
export interface CoordinatorOptions {
  /** An emperor silent for this long is dead. */
  deadAfterMs: number;
  /** After start, nothing is placed for this long, so emperors can reconnect and report. */
  settleMs: number;
  /** Rejections after which a vassal is marked failed (until its config changes). */
  maxRejections: number;
  /**
   * A placement the emperor has not answered (ACCEPTED_VASSAL, then VASSAL_SPAWNED) this
   * long after its last step counts as a rejection: the copy goes elsewhere. Default 60 s.
   */
  placeTimeoutMs?: number;
}

/** Event counters, for /status and /metrics. */
export interface Counters {
  placed: number;
  spawned: number;
  rejected: number;
  updates: number;
  reloads: number;
  destroyed: number;
  emperors_lost: number;
  adopted: number;
  extras_destroyed: number;
  protocol_errors: number;
}

/**
 * The coordinator. Connections are numbered by the caller; file events come from the
 * imperial monitor; `tick()` should run a few times a second.
 *
 * @example
 * ```ts
 * const core = new Coordinator(io, { deadAfterMs: 5000, settleMs: 1000, maxRejections: 3 });
 * core.fileSet("app.toml", bytes);
 * core.connOpened(1, "10.0.0.2:51000");
 * core.message(1, { type: "I_AM_ALIVE", node: "n1", maxVassals: 10, runningVassals: 0 });
 * ```
 */
export class Coordinator {
  readonly emperors = new Map<string, EmperorRecord>();
  readonly vassals = new Map<string, VassalRecord>();
  readonly counters: Counters = {
    placed: 0,
    spawned: 0,
    rejected: 0,
    updates: 0,
    reloads: 0,
    destroyed: 0,
    emperors_lost: 0,
    adopted: 0,
    extras_destroyed: 0,
    protocol_errors: 0,
  };
  #conns = new Map<number, { remote: string; node?: string; certNames?: string[] }>();
  /** Emperors already warned that their heartbeat is too slow for --dead-after. */
  #slowWarned = new Set<string>();
  #settleUntil: number;

  constructor(
    readonly io: CoordinatorIO,
    readonly opts: CoordinatorOptions,
  ) {
    this.#settleUntil = opts.settleMs > 0 ? io.now() + opts.settleMs : 0;
  }

  /** Whether placement still waits for emperors to come back after start. */
  get settling(): boolean {
    return this.#settleUntil > 0;
  }

  /** Loads a saved state: its copies wait, as "restored", for their emperors' reports. */
  restore(state: ZeusState): void {
    for (const e of state.emperors) this.#emperor(e.node).maxVassals = e.maxVassals;
    for (const s of state.vassals) {
      const v = this.#newVassal(s.name, s.sha256, s.copies);
      for (const a of s.assignments) {
        v.copiesOn.set(a.node, { node: a.node, state: "restored", pid: a.pid, restarts: a.restarts });
        this.#emperor(a.node).names.add(s.name);
      }
    }
    for (const d of state.destroying) this.#emperor(d.node).destroying.add(d.name);
  }

  /** The state to save. */
  snapshot(): ZeusState {
    return {
      version: 1,
      savedAt: new Date(this.io.now()).toISOString(),
      emperors: [...this.emperors.values()].map((e) => ({ node: e.node, maxVassals: e.maxVassals, lastSeen: e.lastSeen })),
      vassals: [...this.vassals.values()].map((v) => ({
        name: v.name,
        sha256: v.sha256,
        copies: v.copies,
        assignments: [...v.copiesOn.values()].map((c) => ({ node: c.node, pid: c.pid, restarts: c.restarts })),
      })),
      destroying: [...this.emperors.values()].flatMap((e) => [...e.destroying].map((name) => ({ node: e.node, name }))),
    };
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
        return this.#vassalMessage(e, m);
    }
  }

  /** Checks heartbeats and the end of the start-up settle time; call a few times a second. */
  tick(): void {
    const now = this.io.now();
    for (const e of this.emperors.values()) {
      if (!e.alive || now - e.lastSeen <= this.opts.deadAfterMs) continue;
      const reason = `no I_AM_ALIVE for ${((now - e.lastSeen) / 1000).toFixed(1)} s`;
      const conn = e.conn!;
      this.#conns.delete(conn);
      this.#lose(e, reason);
      this.io.close(conn, reason);
    }
    if (this.#settleUntil > 0 && now >= this.#settleUntil) this.#endSettle();
    this.#expirePlacements(now);
  }

  // ---- the imperial monitor ---------------------------------------------------------

  /** A config file appeared or its content changed (an empty one is not a config yet: ignored). */
  fileSet(name: string, body: Uint8Array): void {
    // Most likely caught between truncate and write: the next event brings the content.
    if (body.byteLength === 0) return void log.debug("vassal {name} is empty: waiting for its content", { name });
    const sha = sha256Hex(body);
    const wanted = wantedCopies(name, text.decode(body));
    let v = this.vassals.get(name);
    if (v && v.body && v.sha256 === sha && !v.error) return;
    if ("error" in wanted) {
      log.error("{error} (not placed until the file is fixed)", { error: wanted.error });
      if (!v) this.vassals.set(name, (v = this.#newVassal(name, sha, 1)));
      v.error = wanted.error;
      return;
    }
    const fresh = !v;
    v ??= this.#newVassal(name, sha, wanted.copies);
    const contentChanged = v.sha256 !== sha;
    Object.assign(v, { body, sha256: sha, copies: wanted.copies, error: undefined, failed: undefined, rejections: 0 });
    v.rejectedBy.clear();
    if (fresh) log.info("new vassal {name} ({copies} wanted)", { name, copies: plural(v.copies, "copy", "copies") });
    else if (contentChanged) {
      log.info("vassal {name} changed: updating {n}", { name, n: plural(v.copiesOn.size, "copy", "copies") });
      for (const c of v.copiesOn.values()) if (c.state !== "offered" && c.state !== "restored") this.#sendUpdate(v, c);
    }
    this.#trim(v);
    this.io.changed();
    this.#placePending();
  }

  /** A config file was touched (mtime only): reload its copies. */
  fileTouched(name: string): void {
    const v = this.vassals.get(name);
    if (!v || v.error) return;
    for (const c of v.copiesOn.values()) {
      const e = this.emperors.get(c.node)!;
      if (c.state !== "running" || e.conn === undefined) continue;
      c.state = "reloading";
      this.counters.reloads++;
      this.io.send(e.conn, { type: "VASSAL_RELOAD", name });
    }
    log.info("vassal {name} touched: reloading", { name });
  }

  /** A config file was removed: destroy every copy. */
  fileRemoved(name: string): void {
    const v = this.vassals.get(name);
    if (!v) return;
    for (const node of [...v.copiesOn.keys()]) this.#destroyCopy(v, node);
    this.vassals.delete(name);
    log.info("vassal {name} removed: destroying its copies", { name });
    this.io.changed();
  }

  // ---- internals --------------------------------------------------------------------

  #newVassal(name: string, sha256: string, copies: number): VassalRecord {
    const v: VassalRecord = { name, sha256, copies, rejections: 0, rejectedBy: new Set(), copiesOn: new Map(), moves: 0 };
    this.vassals.set(name, v);
    return v;
  }

  #emperor(node: string): EmperorRecord {
    let e = this.emperors.get(node);
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
      this.emperors.set(node, e);
    }
    return e;
  }

  #register(
    conn: number,
    c: { remote: string; node?: string; certNames?: string[] },
    m: Extract<ZeusMessage, { type: "I_AM_ALIVE" }>,
  ): void {
    if (!/^[A-Za-z0-9._-]{1,255}$/.test(m.node))
      return this.protocolError(conn, `node name "${m.node.slice(0, 64)}" is not [A-Za-z0-9._-]{1,255}`);
    if (c.certNames && !certMatches(c.certNames, [m.node])) {
      return this.protocolError(
        conn,
        `node "${m.node}" does not match its certificate, which names ${c.certNames.join(", ") || "nothing"}`,
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
    Object.assign(e, { conn, remote: c.remote, maxVassals: m.maxVassals, running: m.runningVassals, lastSeen: this.io.now() });
    Object.assign(e, { alive: true, ready: false, report: [] });
    log.info("emperor {node} connected from {remote} (max {max} vassals)", { node: e.node, remote: c.remote, max: m.maxVassals });
    this.io.changed();
  }

  #alive(conn: number, e: EmperorRecord, m: Extract<ZeusMessage, { type: "I_AM_ALIVE" }>): void {
    if (m.node !== e.node) return this.protocolError(conn, `I_AM_ALIVE names node "${m.node}" on the connection of "${e.node}"`);
    const now = this.io.now();
    const gap = now - e.lastSeen;
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
    e.lastSeen = now;
    e.running = m.runningVassals;
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
    for (const name of e.names) {
      const v = this.vassals.get(name)!;
      v.copiesOn.delete(e.node);
      v.moves++;
    }
    e.names.clear();
    this.io.changed();
    this.#placePending();
  }

  #endSettle(): void {
    this.#settleUntil = 0;
    for (const e of this.emperors.values()) {
      if (e.ready) continue;
      for (const name of e.names) {
        this.vassals.get(name)!.copiesOn.delete(e.node);
        log.warn("emperor {node} did not come back: placing {name} again", { node: e.node, name });
      }
      e.names.clear();
    }
    this.io.changed();
    this.#placePending();
  }

  #reconcile(e: EmperorRecord, reported: ReportedVassal[]): void {
    const plan = planReconcile(e.node, e.names, e.destroying, reported, this.vassals);
    const update = (v: VassalRecord, c: Copy, sha256: string) => {
      if (sha256 !== v.sha256 && v.body) this.#sendUpdate(v, c);
    };
    for (const r of plan.confirm) {
      const v = this.vassals.get(r.name)!;
      const c = v.copiesOn.get(e.node)!;
      Object.assign(c, { state: "running", pid: r.pid, restarts: r.restarts });
      update(v, c, r.sha256);
    }
    for (const name of plan.lost) this.#dropCopy(this.vassals.get(name)!, e.node);
    for (const name of plan.destroyed) e.destroying.delete(name);
    for (const name of plan.destroyAgain) this.io.send(e.conn!, { type: "VASSAL_DESTROY", name });
    for (const { name, extra } of plan.destroy) {
      if (extra) {
        this.counters.extras_destroyed++;
        log.info("emperor {node} runs an extra copy of {name}: destroying it", { node: e.node, name });
      }
      e.destroying.add(name);
      this.io.send(e.conn!, { type: "VASSAL_DESTROY", name });
    }
    for (const { vassal: r, replaces } of plan.adopt) {
      const v = this.vassals.get(r.name)!;
      if (replaces) this.#destroyCopy(v, replaces);
      this.counters.adopted++;
      log.info("adopting {name} running on {node} (pid {pid})", { name: r.name, node: e.node, pid: r.pid });
      const c: Copy = { node: e.node, state: "running", pid: r.pid, restarts: r.restarts };
      v.copiesOn.set(e.node, c);
      e.names.add(v.name);
      update(v, c, r.sha256);
    }
    e.ready = true;
    log.info("emperor {node} reported {n}; it holds {held}", {
      node: e.node,
      n: plural(reported.length, "vassal", "vassals"),
      held: e.names.size,
    });
    this.io.changed();
    this.#placePending();
  }

  #vassalMessage(e: EmperorRecord, m: ZeusMessage & { name: string }): void {
    const v = this.vassals.get(m.name);
    const c = v?.copiesOn.get(e.node);
    switch (m.type) {
      case "ACCEPTED_VASSAL":
        if (!c || c.state !== "offered" || !v!.body) return;
        c.state = "accepted";
        c.since = this.io.now();
        for (const msg of configMessages(v!.name, v!.body, v!.sha256)) this.io.send(e.conn!, msg);
        return;
      case "VASSAL_SPAWNED":
      case "VASSAL_RELOADED":
        if (!c) {
          if (e.destroying.has(m.name)) return;
          // Not ours (anymore): nothing may run that zeus did not place.
          e.destroying.add(m.name);
          this.io.send(e.conn!, { type: "VASSAL_DESTROY", name: m.name });
          return;
        }
        if (c.state === "accepted" || c.state === "offered") {
          this.counters.spawned++;
          log.info("{name} spawned on {node} (pid {pid})", { name: m.name, node: e.node, pid: m.pid });
        }
        Object.assign(c, { state: "running", pid: m.pid, restarts: m.restarts });
        this.io.changed();
        return;
      case "VASSAL_REJECTED":
        return this.#rejected(e, m.name, m.reason);
      case "VASSAL_DESTROYED":
        // The answer to our VASSAL_DESTROY, even if a new copy was placed there since;
        // otherwise the emperor dropped a copy by itself, which then goes elsewhere.
        if (e.destroying.delete(m.name)) this.counters.destroyed++;
        else if (c) this.#dropCopy(v!, e.node);
        this.io.changed();
        this.#placePending();
        return;
    }
  }

  /** Placements an emperor left unanswered past `placeTimeoutMs` are rejections (it may be stuck). */
  #expirePlacements(now: number): void {
    const limit = this.opts.placeTimeoutMs ?? 60_000;
    const late: [EmperorRecord, string][] = [];
    for (const v of this.vassals.values()) {
      for (const c of v.copiesOn.values()) {
        const e = this.emperors.get(c.node);
        if (!e?.alive || (c.state !== "offered" && c.state !== "accepted") || now - (c.since ?? now) < limit) continue;
        late.push([e, v.name]);
      }
    }
    for (const [e, name] of late) {
      this.counters.rejected++;
      this.#dropRejected(e, name, `no answer to the placement within ${limit / 1000} s`, true);
    }
  }

  #rejected(e: EmperorRecord, name: string, reason: string): void {
    this.counters.rejected++;
    if (e.destroying.delete(name)) return;
    this.#dropRejected(e, name, reason, false);
  }

  /**
   * Takes a rejected copy off its emperor and places it elsewhere. `unanswered`: zeus gave
   * up waiting, so the emperor is told to drop whatever it holds of it (a late spawn too).
   */
  #dropRejected(e: EmperorRecord, name: string, reason: string, unanswered: boolean): void {
    const v = this.vassals.get(name);
    const c = v?.copiesOn.get(e.node);
    if (!v || !c) return;
    log.warn("emperor {node} rejected {name}: {reason}", { node: e.node, name, reason });
    if (unanswered || (c.state !== "offered" && c.state !== "accepted")) {
      // It may still run (or later start) a copy: make sure it does not.
      e.destroying.add(name);
      this.io.send(e.conn!, { type: "VASSAL_DESTROY", name });
    }
    this.#dropCopy(v, e.node);
    v.rejectedBy.add(e.node);
    if (++v.rejections >= this.opts.maxRejections) {
      v.failed = `rejected ${v.rejections} times, last by ${e.node}: ${reason}`;
      log.error("vassal {name} failed: {why}; it is retried when its config changes", { name, why: v.failed });
    }
    this.io.changed();
    this.#placePending();
  }

  #sendUpdate(v: VassalRecord, c: Copy): void {
    const e = this.emperors.get(c.node)!;
    if (e.conn === undefined || !v.body) return;
    c.state = "updating";
    this.counters.updates++;
    this.io.send(e.conn, { type: "VASSAL_UPDATE", name: v.name });
    for (const msg of configMessages(v.name, v.body, v.sha256)) this.io.send(e.conn, msg);
  }

  #dropCopy(v: VassalRecord, node: string): void {
    v.copiesOn.delete(node);
    this.emperors.get(node)?.names.delete(v.name);
  }

  #destroyCopy(v: VassalRecord, node: string): void {
    this.#dropCopy(v, node);
    const e = this.#emperor(node);
    e.destroying.add(v.name);
    if (e.conn !== undefined) this.io.send(e.conn, { type: "VASSAL_DESTROY", name: v.name });
  }

  /** Fewer copies wanted than held: destroy the extras, the ones not running first. */
  #trim(v: VassalRecord): void {
    const rank = (c: Copy) => (c.state === "running" ? 1 : 0);
    const extra = [...v.copiesOn.values()].sort((a, b) => rank(a) - rank(b)).slice(0, Math.max(0, v.copiesOn.size - v.copies));
    for (const c of extra) this.#destroyCopy(v, c.node);
  }

  #placePending(): void {
    if (this.settling) return;
    const slots = [...this.emperors.values()]
      .filter((e) => e.alive && e.ready)
      .map((e) => ({ node: e.node, max: e.maxVassals, load: e.names.size + e.destroying.size }));
    if (slots.length === 0) return;
    const wants: Want[] = [];
    for (const v of this.vassals.values()) {
      if (v.error || v.failed || !v.body || v.copiesOn.size >= v.copies) continue;
      wants.push({ name: v.name, missing: v.copies - v.copiesOn.size, exclude: new Set([...v.copiesOn.keys(), ...v.rejectedBy]) });
    }
    if (wants.length === 0) return;
    wants.sort((a, b) => (a.name < b.name ? -1 : 1));
    let placed = 0;
    for (const [name, nodes] of placeAll(slots, wants)) {
      const v = this.vassals.get(name)!;
      for (const node of nodes) {
        const e = this.emperors.get(node)!;
        v.copiesOn.set(node, { node, state: "offered", pid: 0, restarts: 0, since: this.io.now() });
        e.names.add(name);
        this.io.send(e.conn!, { type: "NEW_VASSAL", name });
        placed++;
      }
    }
    if (placed === 0) return;
    this.counters.placed += placed;
    this.io.changed();
  }
}
