/**
 * Draining emperors (`zeus drain NODE`): their copies move away one at a time, each
 * replacement running (and healthy, when the vassal has a check) for `min_healthy`
 * (`[vassal.update]`, default 10 s) before the old copy is destroyed, so a vassal with one
 * copy has no gap. Runs on the copy lifecycle: `drain`
 * makes a running copy `moving` (placement then starts its replacement elsewhere, since a
 * draining emperor takes nothing new), `replaced` destroys it.
 *
 * A copy whose replacement cannot be placed anywhere is never stopped: it is `blocked`, with
 * its reason (logged once per change). At the `--deadline`, or at once with `--force`, the
 * copies left are stopped and the drain ends `forced`; it ends `done` when nothing is left.
 *
 * @module
 */
import { getLogger } from "../log/mod.ts";
import { meetsAll, UPDATE_DEFAULTS } from "../vassal/mod.ts";
import type { CopyKeeper } from "./copy_keeper.ts";
import type { DrainProgress, EmperorRecord, VassalRecord } from "./records.ts";

const log = getLogger("zeus", "drain");

/** Where a drain stands: moving copies, blocked (none can move), or ended. */
export type DrainState = "draining" | "blocked" | "drained" | "forced";

/**
 * Advances every drain one step; returns whether anything changed (then place and save).
 *
 * @example
 * ```ts
 * if (stepDrains(keeper, Date.now())) keeper.place();
 * ```
 */
export function stepDrains(keeper: CopyKeeper, now: number, wallNow: number = now): boolean {
  let changed = false;
  for (const e of keeper.emperors.values()) {
    if (!e.alive || !e.ready || !e.draining) continue;
    const d = (e.drain ??= { total: e.names.size, moved: 0, blocked: {}, said: "" });
    if (d.ended) continue;
    if (e.names.size > 0 && (d.force || (d.deadline !== undefined && wallNow >= d.deadline))) changed = force(keeper, e, d) || changed;
    else changed = stepDrain(keeper, e, now, d) || changed;
    changed = noteBlocked(e, d, blockedReasons(keeper, e)) || changed;
    if (e.names.size === 0 && !d.ended) {
      d.ended = d.force || (d.deadline !== undefined && wallNow >= d.deadline) ? "forced" : "done";
      log.info("drain of {node} {how}: {progress}", { node: e.node, how: d.ended, progress: drainProgress(d.moved, d.total, d.stopped) });
      changed = true;
    }
  }
  return changed;
}

/** The deadline passed, or `--force`: every copy left on `e` is stopped now. */
function force(keeper: CopyKeeper, e: EmperorRecord, d: DrainProgress): boolean {
  const left = [...e.names].sort();
  log.warn("drain of {node} {why}: stopping {left}", {
    node: e.node,
    why: d.force ? "forced" : "reached its deadline",
    left: left.join(", "),
  });
  for (const name of left) {
    const v = keeper.vassals.get(name)!;
    // Moved only if copies elsewhere already run well in its place; otherwise it is just stopped.
    const replaced = keeper.staying(v).filter((x) => x.node !== e.node && keeper.good(v, x)).length >= v.copies;
    let c = v.copiesOn.get(e.node);
    if (c && c.state !== "moving") keeper.step(v, c, { kind: "drain" });
    c = v.copiesOn.get(e.node);
    if (c?.state === "moving") keeper.step(v, c, { kind: "replaced" });
    if (v.copiesOn.has(e.node)) continue;
    if (replaced) d.moved++;
    else d.stopped = (d.stopped ?? 0) + 1;
  }
  d.force = true;
  return true;
}

/**
 * Why each copy on `e` cannot move: its vassal has fewer copies elsewhere than it wants
 * and no other emperor may take one.
 *
 * @example
 * ```ts
 * declare const keeper: CopyKeeper;
 * declare const e: EmperorRecord;
 * blockedReasons(keeper, e); // { "api.toml": "no emperor meets zone=z1" }
 * ```
 */
export function blockedReasons(keeper: CopyKeeper, e: EmperorRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...e.names].sort()) {
    const v = keeper.vassals.get(name);
    if (!v || elsewhere(keeper, v, e) >= v.copies || keeper.placeable(v)) continue;
    out[name] = unplaceableReason(keeper, v);
  }
  return out;
}

/** How many of `v`'s staying copies are on emperors other than `e`. */
function elsewhere(keeper: CopyKeeper, v: VassalRecord, e: EmperorRecord): number {
  return keeper.staying(v).filter((c) => c.node !== e.node).length;
}

/** Why no other emperor may take a copy of `v`. */
function unplaceableReason(keeper: CopyKeeper, v: VassalRecord): string {
  const others = [...keeper.emperors.values()].filter((x) => x.alive && x.ready && !x.draining && !v.copiesOn.has(x.node));
  if (others.length === 0) return "no other emperor is alive and undrained";
  const constraints = v.settings?.constraints ?? [];
  if (!others.some((x) => meetsAll(x.labels, constraints))) return `no emperor meets ${constraints.map((c) => c.text).join(", ")}`;
  return "every emperor that may take it rejected it";
}

/** Records the blocked copies; a change of reasons is logged once. */
function noteBlocked(e: EmperorRecord, d: DrainProgress, blocked: Record<string, string>): boolean {
  d.blocked = blocked;
  const said = Object.entries(blocked)
    .map(([name, why]) => `${name}: ${why}`)
    .join("; ");
  if (said === d.said) return false;
  if (said) log.warn("drain of {node} blocked: {said}", { node: e.node, said });
  else log.info("drain of {node} no longer blocked", { node: e.node });
  d.said = said;
  return true;
}

function stepDrain(keeper: CopyKeeper, e: EmperorRecord, now: number, d: DrainProgress): boolean {
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
      d.moved++;
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
    // A copy whose replacement cannot be placed anywhere is never dropped (blocked until the
    // deadline); a running one may still be marked moving, which stops nothing.
    if (c.state !== "running" && elsewhere(keeper, v, e) < v.copies && !keeper.placeable(v)) continue;
    // Only a copy that could be serving is worth a replacement first; others just go.
    if (!keeper.step(v, c, { kind: "drain" })) continue;
    changed = true;
    if (v.copiesOn.get(e.node)?.state === "moving") break;
  }
  return changed;
}

/**
 * Where a drain stands, for status: "draining" while copies move, "blocked" while every copy
 * left cannot, "drained" when done, "forced" when its end stopped copies.
 *
 * @example
 * ```ts
 * declare const e: EmperorRecord;
 * drainState(e); // "drained"
 * ```
 */
export function drainState(e: EmperorRecord): DrainState | undefined {
  if (!e.draining) return undefined;
  if (e.drain?.ended === "forced") return "forced";
  if (e.names.size === 0) return "drained";
  const blocked = Object.keys(e.drain?.blocked ?? {}).length;
  return blocked > 0 && blocked >= e.names.size ? "blocked" : "draining";
}

/**
 * A drain's progress in words: "2/3 moved", and the copies its end stopped: "2/3 moved, 1 stopped".
 *
 * @example
 * ```ts
 * drainProgress(4, 5, 1); // "4/5 moved, 1 stopped"
 * ```
 */
export function drainProgress(moved: number, total: number, stopped = 0): string {
  return `${moved}/${total} moved${stopped > 0 ? `, ${stopped} stopped` : ""}`;
}
