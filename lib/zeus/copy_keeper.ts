/**
 * Carries out the copy lifecycle (copy_lifecycle.ts) for the coordinator: feeds a copy's
 * events to the table, performs the actions it returns, and places the copies vassals
 * are short of. Sans I/O: it speaks through the coordinator's {@link CoordinatorIO}.
 *
 * @module
 */
import { getLogger } from "../log/mod.ts";
import { meetsAll } from "../vassal/mod.ts";
import { configMessages, type ReportedVassal, VASSAL_STATES, type VassalStateReport, type ZeusMessage } from "../zeus_protocol/mod.ts";
import { type CopyAction, type CopyEvent, copyStep, placing, type Verdict } from "./copy_lifecycle.ts";
import type { CoordinatorCounters, CoordinatorIO, CoordinatorOptions } from "./coordinator_types.ts";
import { placeAll, type Slot, type Want } from "./placement.ts";
import { planReconcile } from "./reconcile.ts";
import { rolloutHolds } from "./rollout.ts";
import { exitText, judge } from "./verdict.ts";
import type { ConfigStore } from "./config_store.ts";
import {
  type Copy,
  copiesWanted,
  type CopyReport,
  type EmperorRecord,
  emperorOf,
  newCopy,
  rejectedOn,
  type VassalRecord,
} from "./records.ts";

const log = getLogger("zeus", "coordinator");

/**
 * Copies placed in one turn of the event loop at most: 1 000 000 copies short at once (a term
 * that took over a fleet placed only in part) held zeus's loop 9.6 s in one placement, its lease
 * ran out, and the next term began the same placement again.
 */
export const PLACE_SLICE_COPIES = 10_000;

/** The reports that say only a state ("running"), one object each, shared by every copy they describe. */
const BARE_REPORTS = new Map<string, CopyReport>(VASSAL_STATES.map((state) => [state, Object.freeze({ state })]));

/**
 * What is kept of a VASSAL_STATE for its copy (a million copies at fleet scale): not its name,
 * type, pid or restarts (the copy holds those), and a report of a state alone is one shared object.
 */
function keptReport(m: VassalStateReport): CopyReport {
  const { name: _, type: _t, pid: _p, restarts: _r, ...report } = m as VassalStateReport & { type?: string };
  if (Object.keys(report).length === 1) return BARE_REPORTS.get(m.state) ?? report;
  return { ...report, state: VASSAL_STATES.find((s) => s === m.state) ?? m.state };
}

/**
 * The copies of every vassal on every emperor, moved through their lifecycle.
 *
 * @example
 * ```ts
 * import type { Copy, EmperorRecord } from "./records.ts";
 * declare const io: CoordinatorIO, opts: CoordinatorOptions, counters: CoordinatorCounters;
 * import type { ConfigStore } from "./config_store.ts";
 * declare const emperors: Map<string, EmperorRecord>, c: Copy, configs: ConfigStore;
 * const keeper = new CopyKeeper(io, opts, emperors, vassals, counters, configs);
 * keeper.step(v, c, { kind: "accepted" }); // sends the config
 * ```
 */
export class CopyKeeper {
  /** A deferred placement is waiting (io.defer): later calls join it. */
  #placeQueued = false;
  /** Placement was asked for since the vassals short of copies were last listed. */
  #placeAsked = false;
  /** The vassals short of copies as last listed (sorted), and how far placement got in it. */
  #placeList: string[] = [];
  #placeAt = 0;
  /**
   * Copies offered or accepted (awaiting an answer), for {@link expire}: a scan of every copy
   * ten times a second was 5 % of zeus's CPU at 100 000 copies. May hold copies gone since.
   */
  readonly #placing = new Map<Copy, VassalRecord>();
  /**
   * Vassals the coordinator's tick may have to step (a rollout, a last good config to note, a
   * failure to clear: {@link mayNeedTick}): every vassal a copy step or report touched, and
   * those the coordinator names. The tick visits these alone and drops the settled ones: a
   * walk over every vassal ten times a second was 6 ms a tick at 100 000 (6 % of a core for
   * a fleet where nothing changes). May hold vassals gone since.
   */
  readonly unsettled = new Set<VassalRecord>();

  constructor(
    readonly io: CoordinatorIO,
    readonly opts: CoordinatorOptions,
    readonly emperors: Map<string, EmperorRecord>,
    readonly vassals: Map<string, VassalRecord>,
    readonly counters: CoordinatorCounters,
    /** The coordinator's configs: a vassal's `config` and `lastGood` are ids in it. */
    readonly configs: ConfigStore,
  ) {}

  /**
   * Moves copy `c` of `v` on `event`. An event its state does not expect is logged as a
   * protocol error and changes nothing; returns whether the event was expected.
   */
  step(v: VassalRecord, c: Copy, event: CopyEvent): boolean {
    const step = copyStep(c.state, event);
    if (!step) {
      log.error("protocol error: {event} for {name} on {node}, whose copy is {state}: ignored", {
        event: event.kind,
        name: v.name,
        node: c.node,
        state: c.state,
      });
      return false;
    }
    if (step.next !== "gone") c.state = step.next;
    if (step.next !== "gone" && placing(c.state)) this.#placing.set(c, v);
    else this.#placing.delete(c);
    for (const a of step.actions) this.#act(v, c, a);
    this.#track(v, c);
    return true;
  }

  /** A VASSAL_STATE about copy `c` of `v`: kept for status, judged, and stepped on. */
  report(v: VassalRecord, c: Copy, m: VassalStateReport): void {
    c.report = keptReport(m);
    if (m.pid || m.state === "backoff") c.pid = m.pid;
    c.restarts = m.restarts;
    if (m.state === "unhealthy") c.unhealthyRestarts = (c.unhealthyRestarts ?? 0) + 1;
    if (m.health === "healthy") c.unhealthyRestarts = 0;
    const j = judge(m, c.node, c.unhealthyRestarts ?? 0, this.opts.rescheduleAfter ?? 3);
    if (j) this.step(v, c, { kind: "reported", ...j });
    else this.#track(v, c);
  }

  /**
   * What copy `c`'s emperor last reported of it, judged without a bound ("ok" when it
   * reported nothing that says otherwise): where a copy stands after a detour (undrain).
   */
  lastVerdict(c: Copy): { verdict: Verdict; why: string } {
    const j = c.report
      ? judge({ name: "", pid: c.pid, restarts: c.restarts, ...c.report }, c.node, c.unhealthyRestarts ?? 0, Infinity)
      : undefined;
    return j ?? { verdict: "ok", why: "" };
  }

  /** Whether copy `c` of `v` runs well: running, and healthy when `v` has a check. */
  good(v: VassalRecord, c: Copy): boolean {
    if (c.state !== "running" && c.state !== "moving") return false;
    if (c.report && c.report.state !== "running") return false;
    return !v.settings?.check || c.report?.health === "healthy";
  }

  /**
   * A failed vassal whose wanted copies all run well again (its copy came back with an
   * undrain, an emperor reconnected with it) is failed no more: the mark and its counts
   * go, as its cause has. Returns whether it was cleared (then save).
   */
  recovered(v: VassalRecord): boolean {
    if (!v.failed || v.stopped) return false;
    const staying = this.staying(v);
    if (staying.length < v.copies || !staying.every((c) => this.good(v, c))) return false;
    log.info("vassal {name} runs every copy it wants again: no longer failed ({why})", { name: v.name, why: v.failed });
    Object.assign(v, { failed: undefined, rejections: 0, reschedules: 0 });
    return true;
  }

  /** Copies of `v` that count towards its `copies` (a moving one is on its way out). */
  staying(v: VassalRecord): Copy[] {
    return [...v.copiesOn.values()].filter((c) => c.state !== "moving");
  }

  /** How many copies of `v` count towards its `copies` ({@link staying}'s length, without the array). */
  #stayingCount(v: VassalRecord): number {
    let n = 0;
    for (const c of v.copiesOn.values()) if (c.state !== "moving") n++;
    return n;
  }

  #track(v: VassalRecord, c: Copy): void {
    this.unsettled.add(v);
    if (v.copiesOn.get(c.node) !== c) return;
    if (!this.good(v, c)) c.goodSince = undefined;
    else c.goodSince ??= this.io.now();
  }

  /**
   * A message from emperor `e` about one vassal's copy there. `settling`: placement still
   * waits for emperors to come back.
   */
  message(e: EmperorRecord, m: ZeusMessage & { name: string }, settling: boolean): void {
    const v = this.vassals.get(m.name);
    const c = v?.copiesOn.get(e.node);
    switch (m.type) {
      case "ACCEPTED_VASSAL":
        if (c) this.step(v!, c, { kind: "accepted" });
        return;
      case "VASSAL_SPAWNED":
      case "VASSAL_RELOADED":
        if (c)
          return void this.step(v!, c, {
            kind: m.type === "VASSAL_SPAWNED" ? "spawned" : "reloaded",
            pid: m.pid,
            restarts: m.restarts,
          });
        if (e.destroying.has(m.name)) return;
        // Not ours (anymore): nothing may run that zeus did not place.
        e.destroying.add(m.name);
        this.io.send(e.conn!, { type: "VASSAL_DESTROY", name: m.name });
        return;
      case "VASSAL_REJECTED":
        this.counters.rejected++;
        if (e.destroying.delete(m.name) || !c) return;
        this.step(v!, c, { kind: "rejected", reason: m.reason });
        this.io.changed();
        this.place(settling);
        return;
      case "VASSAL_STATE":
        if (!c) return;
        this.report(v!, c, m);
        if (v!.copiesOn.get(e.node) === c) return;
        // Rescheduled: it goes elsewhere.
        this.io.changed();
        this.place(settling);
        return;
      case "VASSAL_DESTROYED":
        // The answer to our VASSAL_DESTROY, even if a new copy was placed there since;
        // otherwise the emperor dropped a copy by itself, which then goes elsewhere.
        if (e.destroying.delete(m.name)) this.counters.destroyed++;
        else if (c) this.step(v!, c, { kind: "destroyed" });
        this.io.changed();
        this.place(settling);
        return;
    }
  }

  /** Zeus destroys the copy of `v` on `node`, if there is one. */
  remove(v: VassalRecord, node: string): void {
    const c = v.copiesOn.get(node);
    if (c) this.step(v, c, { kind: "removed" });
  }

  /**
   * Reconciles emperor `e`'s report with the copies zeus holds there (reconcile.ts):
   * confirms, loses, adopts and destroys.
   */
  applyReport(e: EmperorRecord, reported: readonly ReportedVassal[]): void {
    const plan = planReconcile(e.node, e.names, e.destroying, reported, this.vassals);
    const confirmed = (v: VassalRecord, r: ReportedVassal): CopyEvent => ({
      kind: "confirmed",
      pid: r.pid,
      restarts: r.restarts,
      stale: r.sha256 !== v.sha256 && v.config !== undefined && !rolloutHolds(v),
    });
    for (const r of plan.confirm) {
      const v = this.vassals.get(r.name)!;
      const c = v.copiesOn.get(e.node)!;
      // The vassal's own string when the same (most are): not one string a copy.
      c.sha = r.sha256 === v.sha256 ? v.sha256 : r.sha256;
      this.step(v, c, confirmed(v, r));
    }
    for (const name of plan.lost) {
      const v = this.vassals.get(name)!;
      this.step(v, v.copiesOn.get(e.node)!, { kind: "lost" });
    }
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
      const was = replaces ? v.copiesOn.get(replaces)?.state : undefined;
      if (replaces) this.remove(v, replaces);
      this.counters.adopted++;
      const fields = { name: r.name, node: e.node, pid: r.pid, other: replaces, was };
      if (replaces) log.info("adopting {name} running on {node} (pid {pid}) in place of the {was} copy on {other}", fields);
      else log.info("adopting {name} running on {node} (pid {pid})", fields);
      const c = newCopy(e.node, "running", r.pid, r.restarts, undefined, r.sha256);
      v.copiesOn.set(e.node, c);
      e.names.add(v.name);
      this.step(v, c, confirmed(v, r));
    }
  }

  /** Fewer copies wanted than held: destroy the extras, the ones not running first. */
  trim(v: VassalRecord): void {
    const rank = (c: Copy) => (c.state === "running" ? 1 : 0);
    const staying = this.staying(v);
    const extra = staying.sort((a, b) => rank(a) - rank(b)).slice(0, Math.max(0, staying.length - copiesWanted(v)));
    for (const c of extra) this.step(v, c, { kind: "removed" });
  }

  /** Placements an emperor left unanswered past `placeTimeoutMs` are rejections (it may be stuck). */
  expire(now: number): void {
    const limit = this.opts.placeTimeoutMs ?? 60_000;
    const late: [VassalRecord, string][] = [];
    for (const [c, v] of this.#placing) {
      if (v.copiesOn.get(c.node) !== c || !placing(c.state)) {
        this.#placing.delete(c);
        continue;
      }
      const e = this.emperors.get(c.node);
      if (!e?.alive || now - (c.since ?? now) < limit) continue;
      late.push([v, c.node]);
    }
    for (const [v, node] of late) {
      this.counters.rejected++;
      const c = v.copiesOn.get(node);
      if (!c) continue;
      this.step(v, c, { kind: "timeout", reason: `no answer to the placement within ${limit / 1000} s` });
      this.io.changed();
      this.place();
    }
  }

  /**
   * Places the copies vassals are short of on alive, reported emperors with room: at once,
   * or once per burst when the io defers (CoordinatorIO.defer), {@link PLACE_SLICE_COPIES} a
   * turn of the event loop.
   */
  place(settling = false): void {
    if (settling) return;
    this.#placeAsked = true;
    this.#placeSoon();
  }

  #placeSoon(): void {
    if (!this.io.defer) {
      while (this.#placeSlice());
      return;
    }
    if (this.#placeQueued) return;
    this.#placeQueued = true;
    this.io.defer(() => {
      this.#placeQueued = false;
      if (this.#placeSlice()) this.#placeSoon();
    });
  }

  /**
   * Places the next slice of the vassals short of copies (listed by name when the last list
   * is worked through and placement was asked for since); true while there is more to do.
   * Each vassal's want is taken as it is now: it may have been placed, changed or removed
   * since it was listed.
   */
  #placeSlice(): boolean {
    const slots = this.#slots();
    if (slots.length === 0) return false;
    if (this.#placeAt >= this.#placeList.length) {
      if (!this.#placeAsked) return false;
      this.#placeAsked = false;
      this.#placeList = this.#short();
      this.#placeAt = 0;
    }
    const wants: Want[] = [];
    let copies = 0;
    while (this.#placeAt < this.#placeList.length && copies < PLACE_SLICE_COPIES) {
      const want = this.#want(this.#placeList[this.#placeAt++]!);
      if (!want) continue;
      wants.push(want);
      copies += want.missing;
    }
    const placed = this.#offer(slots, wants);
    if (placed > 0) {
      this.counters.placed += placed;
      this.io.changed();
    }
    const more = this.#placeAt < this.#placeList.length || this.#placeAsked;
    if (!more) this.#placeList = [];
    return more;
  }

  /** The names of the vassals short of copies, sorted. */
  #short(): string[] {
    const names: string[] = [];
    for (const v of this.vassals.values()) if (this.#missing(v) > 0) names.push(v.name);
    return names.sort();
  }

  /** How many copies `v` is short of (0 for one that cannot be placed: bad or failed config). */
  #missing(v: VassalRecord): number {
    if (v.error || v.failed || !v.config) return 0;
    return copiesWanted(v) - this.#stayingCount(v);
  }

  /** What placing vassal `name` needs now, or undefined when it needs nothing (any more). */
  #want(name: string): Want | undefined {
    const v = this.vassals.get(name);
    const missing = v ? this.#missing(v) : 0;
    if (!v || missing <= 0) return undefined;
    return {
      name: v.name,
      missing,
      exclude: new Set([...v.copiesOn.keys(), ...v.rejectedBy]),
      ...(v.settings?.constraints ? { constraints: v.settings.constraints } : {}),
      ...(v.settings?.spread ? { spread: v.settings.spread, holders: this.staying(v).map((c) => c.node) } : {}),
    };
  }

  /** Offers each want's copies to the emperors placement chose; how many were offered. */
  #offer(slots: readonly Slot[], wants: Want[]): number {
    let placed = 0;
    for (const [name, nodes] of placeAll(slots, wants)) {
      const v = this.vassals.get(name)!;
      for (const node of nodes) {
        const e = this.emperors.get(node)!;
        const c = newCopy(node, "offered", 0, 0, this.io.now());
        v.copiesOn.set(node, c);
        this.#placing.set(c, v);
        e.names.add(name);
        this.io.send(e.conn!, { type: "NEW_VASSAL", name });
        placed++;
      }
    }
    return placed;
  }

  /** Emperors that may take new copies: alive, reported, not draining. */
  #slots() {
    return [...this.emperors.values()]
      .filter((e) => e.alive && e.ready && !e.draining)
      .map((e) => ({ node: e.node, max: e.maxVassals, load: e.names.size + e.destroying.size, labels: e.labels }));
  }

  /** Whether some emperor could still take a copy of `v` (alive, not draining, not avoided, meeting its constraints). */
  placeable(v: VassalRecord): boolean {
    return this.#slots().some(
      (s) => !v.rejectedBy.has(s.node) && !v.copiesOn.has(s.node) && meetsAll(s.labels, v.settings?.constraints ?? []),
    );
  }

  #act(v: VassalRecord, c: Copy, a: CopyAction): void {
    const e = emperorOf(this.emperors, c.node);
    switch (a.do) {
      case "send_config":
        c.since = this.io.now();
        c.sha = v.sha256;
        for (const m of configMessages(v.name, this.configs.bytes(v.config!), v.sha256)) this.#send(e, m);
        return;
      case "send_update":
        this.counters.updates++;
        c.sha = v.sha256;
        this.#send(e, { type: "VASSAL_UPDATE", name: v.name });
        for (const m of configMessages(v.name, this.configs.bytes(v.config!), v.sha256)) this.#send(e, m);
        return;
      case "send_reload":
        this.counters.reloads++;
        return this.#send(e, { type: "VASSAL_RELOAD", name: v.name });
      case "send_destroy":
        e.destroying.add(v.name);
        return this.#send(e, { type: "VASSAL_DESTROY", name: v.name });
      case "record":
        c.pid = a.pid;
        c.restarts = a.restarts;
        return;
      case "spawned":
        this.counters.spawned++;
        return void log.info("{name} spawned on {node} (pid {pid})", { name: v.name, node: c.node, pid: a.pid });
      case "reject":
        log.warn("emperor {node} rejected {name}: {reason}", { node: c.node, name: v.name, reason: a.reason });
        rejectedOn(v, c.node);
        if (++v.rejections >= this.opts.maxRejections) {
          v.failed = `rejected ${v.rejections} times, last by ${c.node}: ${a.reason}`;
          log.error("vassal {name} failed: {why}; it is retried when its config changes or its file is touched", {
            name: v.name,
            why: v.failed,
          });
        }
        return;
      case "reschedule": {
        this.counters.rescheduled++;
        rejectedOn(v, c.node);
        v.reschedules = (v.reschedules ?? 0) + 1;
        const elsewhere = this.placeable(v);
        if (v.reschedules >= this.opts.maxRejections || !elsewhere) {
          const tried = [...v.rejectedBy].sort().join(", ");
          const said = c.report?.stderr ? `; last: ${exitText(c.report) || "exit"}: ${c.report.stderr}` : "";
          v.failed = `${a.why}; tried on ${tried}${elsewhere ? "" : ", no other emperor may take it"}${said}`;
          log.error("vassal {name} failed: {why}; it is retried when its config changes or its file is touched", {
            name: v.name,
            why: v.failed,
          });
        } else log.warn("{why}: moving {name} elsewhere", { why: a.why, name: v.name });
        return;
      }
      case "forget":
        v.copiesOn.delete(c.node);
        return void e.names.delete(v.name);
      case "save":
        return this.io.changed();
    }
  }

  #send(e: EmperorRecord, m: ZeusMessage): void {
    if (e.conn !== undefined) this.io.send(e.conn, m);
  }
}
