/**
 * What `GET /status` and `GET /metrics` of zeus show, built from the coordinator (pure).
 *
 * @module
 */
import type { ConfigStore } from "./config_store.ts";
import { type Metric, renderMetrics } from "../stats/mod.ts";
import type { Coordinator, CoordinatorCounters, HeartbeatFigures } from "./coordinator.ts";
import { unmetNote } from "../vassal/mod.ts";
import { type DrainStatus, drainStatus } from "./drain_status.ts";
import type { HaStatus } from "./ha.ts";
import type { HandshakeCounts } from "../net/mod.ts";
import { copiesUp, VASSAL_STATES, vassalState } from "./vassal_state.ts";
import { exitText } from "./verdict.ts";
import { pick, type StatusSummary, type StatusView } from "./status_view.ts";
import type { EmperorRecord, VassalRecord } from "./records.ts";
import { nextTurn } from "../clock.ts";

/** One emperor in `/status` (with its drain's fields while it drains). */
export interface EmperorStatus extends DrainStatus {
  node: string;
  remote: string;
  alive: boolean;
  /** Its vassal report is complete (REPORT_END): only then does zeus place vassals on it. */
  ready: boolean;
  max_vassals: number;
  /** running_vassals of its last I_AM_ALIVE. */
  running: number;
  /** Copies zeus holds on it. */
  assigned: number;
  /** ISO time of its last I_AM_ALIVE; undefined if never seen since start. */
  last_heartbeat?: string;
  /** Its `--label`s. */
  labels?: Record<string, string>;
}

/** One copy in `/status`: zeus's state of it and what its emperor last reported. */
export interface CopyStatus {
  node: string;
  state: string;
  pid: number;
  restarts: number;
  /** The last exit ("exit 127", "killed by SIGKILL"), when its emperor reported one. */
  exit?: string;
  /** The last line it wrote to stderr before that exit, when its emperor reported one. */
  stderr?: string;
  /** "healthy", "unhealthy" or "unknown", when the vassal has a check. */
  health?: string;
  /** The last check's result. */
  check?: string;
}

/** One vassal in `/status`. */
export interface VassalStatusRow {
  name: string;
  state: string;
  copies: number;
  /** Copies that run and stay (a copy moving off a draining emperor does not count): the N of N/M. */
  up?: number;
  emperors: CopyStatus[];
  restarts: number;
  moves: number;
  error?: string;
  /** Why it waits: the constraint no alive emperor meets. */
  note?: string;
  /** Its rolling update, while one runs and after it ends. */
  rollout?: { state: string; updated: number; total: number; waiting: string[]; reason?: string };
  /** The digest of the config zeus hands out now. */
  sha256?: string;
  /** The digest of the last config every copy ran well: where auto_revert goes back to. */
  last_good_sha256?: string;
}

/** The whole of `/status`. */
export interface ZeusStatus {
  settling: boolean;
  emperors: EmperorStatus[];
  vassals: VassalStatusRow[];
  counters: CoordinatorCounters;
  /** How late heartbeats were read, and how long zeus was too busy to read them (not counted as silence). */
  heartbeats?: HeartbeatFigures;
  /** Counts by state, and how many rows are listed (fewer than counted with ?summary, ?max or a filter). */
  summary?: StatusSummary;
  /** Several zeus: this zeus' role, the leader since when, the standbys. */
  ha?: HaStatus;
  /** With TLS: how the handshakes of emperors and admin clients ended, so far (`abandoned`: the client closed first, having given up). */
  handshakes?: HandshakeCounts;
}

/**
 * One vassal's row (`state` already worked out); `alive` holds the labels of the emperors that may take copies;
 * `configs` the coordinator's configs (the last good one's digest).
 *
 * @example
 * ```ts
 * declare const v: VassalRecord;
 * vassalRow(v, vassalState(v), [], core.configs).emperors; // [{ node: "e1", state: "running", pid: 42, restarts: 0 }]
 * ```
 */
export function vassalRow(v: VassalRecord, state: string, alive: Record<string, string>[], configs: ConfigStore): VassalStatusRow {
  const copies = [...v.copiesOn.values()].map((c) => {
    const row: CopyStatus = { node: c.node, state: c.state, pid: c.pid, restarts: c.restarts };
    const exit = c.report ? exitText(c.report) : "";
    if (exit) row.exit = exit;
    if (exit && c.report?.stderr) row.stderr = c.report.stderr;
    if (c.report?.health) row.health = c.report.health;
    if (c.report?.check) row.check = c.report.check;
    return row;
  });
  const row: VassalStatusRow = {
    name: v.name,
    state,
    copies: v.copies,
    up: copiesUp(v),
    emperors: copies,
    restarts: copies.reduce((n, c) => n + c.restarts, 0),
    moves: v.moves,
  };
  const error = v.error ?? v.failed;
  if (error) row.error = error;
  const note = copies.length < v.copies && v.settings?.constraints ? unmetNote(alive, v.settings.constraints) : undefined;
  if (note) row.note = note;
  // Not "waiting for a free slot": the emperors that may take it refused it, and are not asked again unbidden.
  else if (copies.length < v.copies && v.rejectedBy.size > 0)
    row.note = `refused by ${[...v.rejectedBy].sort().join(", ")} (why: zeus's log): touch ${v.name} to offer it again`;
  if (v.stopped) row.note = `stopped by an admin: zeus start ${v.name} runs it again`;
  if (v.rollout) row.rollout = { ...v.rollout, waiting: [...v.rollout.waiting] };
  if (v.sha256) row.sha256 = v.sha256;
  if (v.lastGood) row.last_good_sha256 = configs.digest(v.lastGood);
  return row;
}

function emperorRow(core: Coordinator, e: EmperorRecord): EmperorStatus {
  return {
    node: e.node,
    remote: e.remote,
    alive: e.alive,
    ready: e.ready,
    max_vassals: e.maxVassals,
    running: e.running,
    assigned: e.names.size,
    ...(e.lastSeen > 0 ? { last_heartbeat: new Date(core.wallTime(e.lastSeen)).toISOString() } : {}),
    ...(Object.keys(e.labels).length > 0 ? { labels: e.labels } : {}),
    ...drainStatus(e),
  };
}

const byKey =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : 1;

/**
 * A `/status` document but its vassal rows: the vassals to list (filtered, sorted, paged),
 * each with its state, and the labels their rows are judged against. zeusStatus makes the
 * rows at once; status_stream.ts makes them slice by slice.
 */
export interface StatusPlan {
  /** Every field of the document but `vassals` (`summary.listed.vassals` counts the rows to come). */
  head: Omit<ZeusStatus, "vassals"> & { summary: StatusSummary };
  rows: readonly { v: VassalRecord; state: string }[];
  alive: Record<string, string>[];
  /** The coordinator's configs, for the rows. */
  configs: ConfigStore;
}

/** Vassals counted (and chosen) per turn of the event loop by {@link statusPlanSliced}: about 10 ms of work. */
export const STATUS_SLICE = 20_000;

/**
 * What `view` lists of `core`, and the counts (see {@link StatusPlan}).
 *
 * @example
 * ```ts
 * const plan = statusPlan(core, { state: "failed" });
 * plan.rows.length === plan.head.summary.listed.vassals; // true
 * ```
 */
export function statusPlan(core: Coordinator, view: StatusView = {}): StatusPlan {
  const tally = new StatusTally(view);
  for (const v of core.vassals.values()) tally.add(v);
  return tally.plan(core);
}

/**
 * {@link statusPlan}, its vassals counted `perTurn` per turn of the event loop: at 1 000 000
 * copies a `/status?summary` asked once a second held zeus's loop 424 ms at a time while
 * 5 000 TLS emperors came back. Vassals added or removed meanwhile are counted or not, as the
 * map's iteration meets them; each is counted at most once.
 *
 * @example
 * ```ts
 * const plan = await statusPlanSliced(core, { summary: true });
 * ```
 */
export async function statusPlanSliced(core: Coordinator, view: StatusView = {}, perTurn = STATUS_SLICE): Promise<StatusPlan> {
  const tally = new StatusTally(view);
  let n = 0;
  for (const v of core.vassals.values()) {
    tally.add(v);
    if (++n % perTurn === 0) await nextTurn();
  }
  return tally.plan(core);
}

/** The counts of a `/status` and the vassals it lists, a vassal at a time. */
class StatusTally {
  readonly vassalStates: Record<string, number> = {};
  readonly copyStates: Record<string, number> = {};
  readonly chosen: { v: VassalRecord; state: string }[] = [];

  constructor(readonly view: StatusView) {}

  add(v: VassalRecord): void {
    const { view } = this;
    const state = vassalState(v);
    this.vassalStates[state] = (this.vassalStates[state] ?? 0) + 1;
    for (const c of v.copiesOn.values()) this.copyStates[c.state] = (this.copyStates[c.state] ?? 0) + 1;
    if (view.summary) return; // counts only: no row is listed
    if (view.state !== undefined && state !== view.state) return;
    if (view.node !== undefined && !v.copiesOn.has(view.node)) return;
    if (view.attention && state === "running" && !v.rollout) return;
    this.chosen.push({ v, state });
  }

  /** The plan, the emperors as they are now. */
  plan(core: Coordinator): StatusPlan {
    const { view, chosen } = this;
    const all = [...core.emperors.values()];
    const chosenEmperors = all.filter(
      (e) => (view.node === undefined || e.node === view.node) && (!view.attention || emperorNeedsAttention(e)),
    );
    chosenEmperors.sort(byKey((e) => e.node));
    // A table left out (pick: beyond ?max) is not sorted either.
    if (view.max === undefined || chosen.length <= view.max) chosen.sort(byKey((x) => x.v.name));
    const emperors = pick(chosenEmperors, view, view.attention === true).map((e) => emperorRow(core, e));
    const rows = pick(chosen, view, true);
    const summary: StatusSummary = {
      emperors: all.length,
      alive: all.filter((e) => e.alive).length,
      vassals: core.vassals.size,
      vassal_states: this.vassalStates,
      copy_states: this.copyStates,
      listed: { emperors: emperors.length, vassals: rows.length },
    };
    const head = { settling: core.settling, emperors, counters: { ...core.counters }, heartbeats: { ...core.heartbeats }, summary };
    return { head, rows, alive: aliveLabels(all), configs: core.configs };
  }
}

/**
 * The `/status` document: every row, or those `view` asks for (status_view.ts), with the
 * summary's counts always.
 *
 * @example
 * ```ts
 * serveStats(host, port, { status: () => zeusStatus(core), metrics: () => zeusMetrics(core) });
 * zeusStatus(core, { max: 1000 }).summary.vassals; // every vassal counted, rows listed only up to 1 000
 * ```
 */
export function zeusStatus(core: Coordinator, view: StatusView = {}): ZeusStatus & { summary: StatusSummary } {
  return statusOf(statusPlan(core, view));
}

/**
 * The document of `plan`, its rows made at once.
 *
 * @example
 * ```ts
 * statusOf(statusPlan(core, { limit: 10 })).vassals.length; // at most 10
 * ```
 */
export function statusOf({ head, rows, alive, configs }: StatusPlan): ZeusStatus & { summary: StatusSummary } {
  const { settling, emperors, counters, heartbeats, summary } = head;
  const vassals = rows.map(({ v, state }) => vassalRow(v, state, alive, configs));
  return { settling, emperors, vassals, counters, heartbeats, summary };
}

/** An emperor an operator would look at: lost, draining (or drained), or still reporting what it runs. */
function emperorNeedsAttention(e: EmperorRecord): boolean {
  return !e.alive || e.draining || !e.ready;
}

/** The labels of the emperors that may take copies (alive, not draining): what a vassal's constraints are judged against. */
function aliveLabels(emperors: Iterable<EmperorRecord>): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const e of emperors) if (e.alive && !e.draining) out.push(e.labels);
  return out;
}

/**
 * Every vassal's `/status` row, made one at a time as it is read (unsorted, no document
 * around them): the console's histories read them all each second, and 100 000 rows held
 * at once were a hundred megabytes to collect.
 *
 * @example
 * ```ts
 * for (const row of vassalRows(core)) console.log(row.name, row.state);
 * ```
 */
export function* vassalRows(core: Coordinator): Generator<VassalStatusRow> {
  const alive = aliveLabels(core.emperors.values());
  for (const v of core.vassals.values()) yield vassalRow(v, vassalState(v), alive, core.configs);
}

/**
 * One vassal's `/status` row, or undefined when zeus has no such vassal: a vassal's page in
 * the console, whether or not the fleet's snapshot lists it.
 *
 * @example
 * ```ts
 * vassalRowOf(core, "web.toml")?.state; // "running"
 * ```
 */
export function vassalRowOf(core: Coordinator, name: string): VassalStatusRow | undefined {
  const v = core.vassals.get(name);
  return v ? vassalRow(v, vassalState(v), aliveLabels(core.emperors.values()), core.configs) : undefined;
}

/**
 * The `/metrics` text (Prometheus).
 *
 * @example
 * ```ts
 * zeusMetrics(core).startsWith("# HELP zeus_emperors"); // true
 * ```
 */
export function zeusMetrics(core: Coordinator): string {
  // Counts only: a scrape must not build a row of each of 100 000 vassals.
  const { summary } = zeusStatus(core, { summary: true });
  const emperors = [...core.emperors.values()].sort(byKey((e) => e.node));
  const byState = new Map<string, number>(VASSAL_STATES.map((state) => [state, 0]));
  for (const [state, n] of Object.entries(summary.vassal_states)) byState.set(state, n);
  let unhealthy = 0;
  for (const v of core.vassals.values()) for (const c of v.copiesOn.values()) if (c.report?.health === "unhealthy") unhealthy++;
  const metrics: Metric[] = [
    {
      name: "zeus_emperors",
      help: "Emperors known, by liveness",
      type: "gauge",
      samples: [
        { labels: { alive: "true" }, value: summary.alive },
        { labels: { alive: "false" }, value: summary.emperors - summary.alive },
      ],
    },
    {
      name: "zeus_emperor_vassals",
      help: "Copies held by each emperor",
      type: "gauge",
      samples: emperors.map((e) => ({ labels: { node: e.node }, value: e.names.size })),
    },
    {
      name: "zeus_copies",
      help: "Copies by state, as their emperors report them",
      type: "gauge",
      samples: Object.entries(summary.copy_states).map(([state, value]) => ({ labels: { state }, value })),
    },
    {
      name: "zeus_copies_unhealthy",
      help: "Copies whose health check fails",
      type: "gauge",
      samples: [{ value: unhealthy }],
    },
    {
      name: "zeus_vassals",
      help: "Vassals by state",
      type: "gauge",
      samples: [...byState].map(([state, value]) => ({ labels: { state }, value })),
    },
  ];
  for (const [k, value] of Object.entries(core.counters)) {
    metrics.push({ name: `zeus_${k}_total`, help: `Count of ${k.replace(/_/g, " ")}`, type: "counter", samples: [{ value }] });
  }
  return renderMetrics(metrics);
}
