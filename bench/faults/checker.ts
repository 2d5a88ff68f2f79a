/**
 * The fault suite's checker (pure): from what the writer saw, what every node's access.log
 * holds, what each node's store says (`zog verify`) and what the listeners were delivered,
 * the anomalies Jepsen counts. An acknowledged message must be logged exactly once on every
 * node; a message never acknowledged may be logged (its `ok` was lost) but then, like any
 * other, on every node alike.
 *
 * @module
 */

/** Everything one run left behind. */
export interface RunRecord {
  /** Contents the writer sent, and those some node acknowledged. */
  attempted: ReadonlySet<string>;
  acked: ReadonlySet<string>;
  /** Node → the contents of its access.log lines that belong to this run. */
  logs: ReadonlyMap<string, readonly string[]>;
  /** Node → whether `zog verify` found its access.log and store in agreement. */
  storeAgrees?: ReadonlyMap<string, boolean>;
  /** Listener per node: what it was delivered, and whether its connection broke. */
  listeners?: readonly { node: string; events: readonly string[]; broken: boolean }[];
}

/** The anomalies of one run (0 everywhere: the run is clean). */
export interface Anomalies {
  /** Acknowledged messages missing from at least one node's access.log. */
  acknowledged_lost: number;
  /** (node, message) pairs logged more than once on that node. */
  doubled: number;
  /** Messages logged on some nodes and not on others. */
  diverged: number;
  /** Messages never acknowledged but logged (not an error when every node has them). */
  unacknowledged_logged: number;
  /** Nodes whose access.log disagrees with their store. */
  store_disagrees: number;
  /** (listener, message) pairs delivered more than once to one listener. */
  listener_doubled: number;
  /** Acknowledged messages a listener whose connection never broke was not delivered. */
  listener_lost: number;
  /** A few examples of each kind found, for the report. */
  examples: string[];
}

/** The counts that make a run unclean (unacknowledged_logged does not). */
export const FAILURES = ["acknowledged_lost", "doubled", "diverged", "store_disagrees", "listener_doubled", "listener_lost"] as const;

/**
 * Checks one run.
 *
 * @example
 * ```ts
 * const a = check({ attempted: new Set(["m1"]), acked: new Set(["m1"]), logs: new Map([["A", ["m1"]], ["B", []]]) });
 * a.acknowledged_lost; // 1
 * ```
 */
export function check(r: RunRecord): Anomalies {
  const a: Anomalies = {
    acknowledged_lost: 0,
    doubled: 0,
    diverged: 0,
    unacknowledged_logged: 0,
    store_disagrees: 0,
    listener_doubled: 0,
    listener_lost: 0,
    examples: [],
  };
  const note = (s: string) => void (a.examples.length < 12 && a.examples.push(s));
  const onNodes = new Map<string, number>();
  for (const [node, lines] of r.logs) {
    const seen = new Map<string, number>();
    for (const l of lines) seen.set(l, (seen.get(l) ?? 0) + 1);
    for (const [m, k] of seen) {
      onNodes.set(m, (onNodes.get(m) ?? 0) + 1);
      if (k > 1) {
        a.doubled++;
        note(`doubled: "${m}" ${k} times on ${node}`);
      }
    }
  }
  for (const m of r.acked) {
    const k = onNodes.get(m) ?? 0;
    if (k < r.logs.size) {
      a.acknowledged_lost++;
      note(`acknowledged, lost: "${m}" on ${k} of ${r.logs.size} nodes`);
    }
  }
  for (const [m, k] of onNodes) {
    if (!r.acked.has(m)) a.unacknowledged_logged++;
    if (k < r.logs.size && !r.acked.has(m)) {
      a.diverged++;
      note(`diverged: "${m}" on ${k} of ${r.logs.size} nodes (never acknowledged)`);
    } else if (k < r.logs.size) a.diverged++;
  }
  for (const [node, ok] of r.storeAgrees ?? []) {
    if (ok) continue;
    a.store_disagrees++;
    note(`store: ${node}'s access.log and store disagree (zog verify)`);
  }
  for (const l of r.listeners ?? []) {
    const got = new Map<string, number>();
    for (const m of l.events) got.set(m, (got.get(m) ?? 0) + 1);
    for (const [m, k] of got) {
      if (k < 2) continue;
      a.listener_doubled++;
      note(`listener on ${l.node} got "${m}" ${k} times`);
    }
    if (l.broken) continue;
    for (const m of r.acked) {
      if (got.has(m)) continue;
      a.listener_lost++;
      note(`listener on ${l.node} never got acknowledged "${m}"`);
    }
  }
  return a;
}

/**
 * Whether a run is clean: no count of {@link FAILURES} above 0.
 *
 * @example
 * ```ts
 * declare const a: Anomalies;
 * if (!clean(a)) console.log(a.examples.join("\n"));
 * ```
 */
export function clean(a: Anomalies): boolean {
  return FAILURES.every((k) => a[k] === 0);
}
