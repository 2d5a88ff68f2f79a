/**
 * Placement (pure): which emperors get the copies of a vassal. Only emperors meeting the
 * vassal's constraints are candidates; with `spread = KEY`, a copy goes to the value of
 * that label holding the fewest of its copies; then the emperor with the most free slots
 * (max_vassals − load) wins, ties by node name. Copies of one vassal go to distinct emperors.
 *
 * @module
 */
import { type Constraint, type Labels, meetsAll } from "../vassal/mod.ts";
import { SlotHeap } from "./slot_heap.ts";

/** An emperor as placement sees it. */
export interface Slot {
  node: string;
  max: number;
  /** Vassals it holds or is being given (including ones being destroyed). */
  load: number;
  /** Its `--label`s. */
  labels?: Labels;
}

/** A vassal waiting for copies. */
export interface Want {
  name: string;
  /** Copies still missing. */
  missing: number;
  /** Emperors that may not take it (already hold it, or rejected it). */
  exclude: ReadonlySet<string>;
  /** Emperors must meet all of these. */
  constraints?: readonly Constraint[];
  /** Spread copies over the values of this label. */
  spread?: string;
  /** Emperors already holding a copy (counted by `spread`); default: none. */
  holders?: readonly string[];
}

const free = (s: Slot): number => s.max - s.load;
const byName = (a: Slot, b: Slot): number => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);

/**
 * Chooses up to `count` distinct emperors for new copies of one vassal, most free slots
 * first (ties broken by node name, so placement is reproducible). Emperors in `exclude`
 * (those already holding a copy, or that rejected it), full ones and ones failing the
 * constraints are skipped. Returns fewer than `count` when there is no room: the rest waits.
 *
 * @example
 * ```ts
 * choose([{ node: "a", max: 10, load: 3 }, { node: "b", max: 10, load: 1 }], 1); // ["b"]
 * ```
 */
export function choose(
  slots: readonly Slot[],
  count: number,
  exclude: ReadonlySet<string> = new Set(),
  want: Pick<Want, "constraints" | "spread" | "holders"> = {},
): string[] {
  if (count <= 0) return [];
  const candidates = slots
    .filter((s) => !exclude.has(s.node) && free(s) > 0 && meetsAll(s.labels ?? {}, want.constraints ?? []))
    .sort((a, b) => free(b) - free(a) || byName(a, b));
  const key = want.spread;
  if (key === undefined) return candidates.slice(0, count).map((s) => s.node);
  // Copies per label value (an emperor without the label counts as the value ""): each copy
  // goes to the least used value, and within it to the emperor with the most room.
  const valueOf = (node: string): string => slots.find((s) => s.node === node)?.labels?.[key] ?? "";
  const used = new Map<string, number>();
  for (const n of want.holders ?? []) used.set(valueOf(n), (used.get(valueOf(n)) ?? 0) + 1);
  const out: string[] = [];
  while (out.length < count && candidates.length > 0) {
    let best = 0;
    for (let i = 1; i < candidates.length; i++) {
      const u = used.get(valueOf(candidates[i]!.node)) ?? 0;
      if (u < (used.get(valueOf(candidates[best]!.node)) ?? 0)) best = i;
    }
    const [s] = candidates.splice(best, 1);
    out.push(s!.node);
    used.set(valueOf(s!.node), (used.get(valueOf(s!.node)) ?? 0) + 1);
  }
  return out;
}

/**
 * Places vassals one after the other, each seeing the loads the previous ones left: the
 * result spreads evenly (30 vassals over three empty emperors of equal size: 10/10/10).
 * Does not modify its arguments. The same choice as {@link choose} for each vassal in turn,
 * but a vassal without constraints or spread costs O(log E) per copy (slot_heap.ts).
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
  const heap = new SlotHeap(live);
  const out = new Map<string, string[]>();
  for (const w of wants) {
    if (w.missing <= 0) {
      out.set(w.name, []);
      continue;
    }
    if (!w.constraints?.length && w.spread === undefined) {
      out.set(w.name, heap.take(w.missing, w.exclude));
      continue;
    }
    const nodes = choose(live, w.missing, w.exclude, w);
    for (const n of nodes) {
      const s = byNode.get(n)!;
      s.load++;
      heap.changed(s);
    }
    out.set(w.name, nodes);
  }
  return out;
}
