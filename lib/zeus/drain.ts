/**
 * Draining emperors (`zeus drain NODE`): their copies move away one at a time, each
 * replacement running (and healthy, when the vassal has a check) for `min_healthy`
 * (`[vassal.update]`, default 10 s) before the old copy is destroyed, so a vassal with one
 * copy has no gap. Runs on the copy lifecycle: `drain`
 * makes a running copy `moving` (placement then starts its replacement elsewhere, since a
 * draining emperor takes nothing new), `replaced` destroys it.
 *
 * @module
 */
import { UPDATE_DEFAULTS } from "../vassal/mod.ts";
import type { CopyKeeper } from "./copy_keeper.ts";
import type { EmperorRecord } from "./records.ts";

/**
 * Advances every drain one step; returns whether anything changed (then place and save).
 *
 * @example
 * ```ts
 * if (stepDrains(keeper, Date.now())) keeper.place();
 * ```
 */
export function stepDrains(keeper: CopyKeeper, now: number): boolean {
  let changed = false;
  for (const e of keeper.emperors.values()) if (e.alive && e.ready && e.draining) changed = stepDrain(keeper, e, now) || changed;
  return changed;
}

function stepDrain(keeper: CopyKeeper, e: EmperorRecord, now: number): boolean {
  let changed = false;
  let moving = false;
  for (const name of [...e.names].sort()) {
    const v = keeper.vassals.get(name)!;
    const c = v.copiesOn.get(e.node)!;
    if (c.state !== "moving") continue;
    // As Nomad's migrate: the replacement must have run well for min_healthy ([vassal.update]).
    const minHealthy = (v.settings?.update ?? UPDATE_DEFAULTS).minHealthyMs;
    const good = keeper.staying(v).filter((x) => x.goodSince !== undefined && now - x.goodSince >= minHealthy).length;
    if (good >= v.copies) {
      keeper.counters.moved++;
      keeper.step(v, c, { kind: "replaced" });
      changed = true;
      // A replacement that cannot be placed (no other emperor may take it) must not hold up the rest.
    } else if (keeper.staying(v).length >= v.copies || keeper.placeable(v)) moving = true;
  }
  if (moving) return changed;
  for (const name of [...e.names].sort()) {
    const v = keeper.vassals.get(name)!;
    const c = v.copiesOn.get(e.node)!;
    if (c.state === "moving") continue;
    // Only a copy that could be serving is worth a replacement first; others just go.
    if (!keeper.step(v, c, { kind: "drain" })) continue;
    changed = true;
    if (v.copiesOn.get(e.node)?.state === "moving") break;
  }
  return changed;
}

/**
 * Where a drain stands, for status: "draining" while the emperor holds copies, "drained" after.
 *
 * @example
 * ```ts
 * declare const e: EmperorRecord;
 * drainState(e); // "drained"
 * ```
 */
export function drainState(e: EmperorRecord): "draining" | "drained" | undefined {
  if (!e.draining) return undefined;
  return e.names.size > 0 ? "draining" : "drained";
}
