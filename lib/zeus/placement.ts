/**
 * Placement (pure): which emperors get the copies of a vassal. The emperor with the most
 * free slots (max_vassals − load) wins; copies of one vassal go to distinct emperors.
 *
 * @module
 */

/** An emperor as placement sees it. */
export interface Slot {
  node: string;
  max: number;
  /** Vassals it holds or is being given (including ones being destroyed). */
  load: number;
}

/**
 * Chooses up to `count` distinct emperors for new copies of one vassal, most free slots
 * first (ties broken by node name, so placement is reproducible). Emperors in `exclude`
 * (those already holding a copy, or that rejected it) and full ones are skipped. Returns
 * fewer than `count` when there is no room: the rest waits.
 *
 * @example
 * ```ts
 * choose([{ node: "a", max: 10, load: 3 }, { node: "b", max: 10, load: 1 }], 1); // ["b"]
 * ```
 */
export function choose(slots: readonly Slot[], count: number, exclude: ReadonlySet<string> = new Set()): string[] {
  if (count <= 0) return [];
  return slots
    .filter((s) => !exclude.has(s.node) && s.max - s.load > 0)
    .sort((a, b) => b.max - b.load - (a.max - a.load) || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
    .slice(0, count)
    .map((s) => s.node);
}

/** A vassal waiting for copies. */
export interface Want {
  name: string;
  /** Copies still missing. */
  missing: number;
  /** Emperors that may not take it (already hold it, or rejected it). */
  exclude: ReadonlySet<string>;
}

/**
 * Places vassals one after the other, each seeing the loads the previous ones left: the
 * result spreads evenly (30 vassals over three empty emperors of equal size: 10/10/10).
 * Does not modify its arguments.
 *
 * @example
 * ```ts
 * placeAll([{ node: "a", max: 5, load: 0 }], [{ name: "x.toml", missing: 1, exclude: new Set() }]);
 * // Map { "x.toml" => ["a"] }
 * ```
 */
export function placeAll(slots: readonly Slot[], wants: readonly Want[]): Map<string, string[]> {
  const live = slots.map((s) => ({ ...s }));
  const byNode = new Map(live.map((s) => [s.node, s]));
  const out = new Map<string, string[]>();
  for (const w of wants) {
    const nodes = choose(live, w.missing, w.exclude);
    for (const n of nodes) byNode.get(n)!.load++;
    out.set(w.name, nodes);
  }
  return out;
}
