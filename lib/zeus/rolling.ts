/**
 * Drives rolling updates (the rollout planner, rollout.ts) on the copy lifecycle: a copy
 * picked by the plan gets `changed` (VASSAL_UPDATE with the new config); a failure stops
 * the rollout, and with `auto_revert` the updated copies get the last good config again.
 *
 * @module
 */
import { getLogger } from "../log/mod.ts";
import { type FleetSettings, UPDATE_DEFAULTS } from "../vassal/mod.ts";
import type { ConfigStore } from "./config_store.ts";
import type { CopyKeeper } from "./copy_keeper.ts";
import type { Copy, VassalRecord } from "./records.ts";
import { planRollout, type RolloutCopy } from "./rollout.ts";
import { troubleText } from "./verdict.ts";

const log = getLogger("zeus", "rollout");

/** States of a copy that fails on the config it was given. */
const TROUBLE = new Set(["backoff", "unhealthy", "stopped"]);

/**
 * Starts rolling `v` (whose record already holds the new config) out to its copies.
 *
 * @example
 * ```ts
 * startRollout(keeper, v, now);
 * ```
 */
export function startRollout(keeper: CopyKeeper, v: VassalRecord, now: number): void {
  delete v.revertedFrom;
  const total = keeper.staying(v).length;
  // No copy to update (e.g. a failed vassal's file fixed): its copies are placed with the new config.
  if (total === 0) return void delete v.rollout;
  v.rollout = { target: v.sha256, state: "rolling", updated: 0, total, waiting: [] };
  stepRollout(keeper, v, now);
}

function view(v: VassalRecord, c: Copy): RolloutCopy {
  // A copy still being placed gets the config current when its emperor accepts: the new one.
  const sha = c.sha ?? v.sha256;
  // The copy's last line on stderr, when its emperor sent one, is often the whole reason.
  const said = c.report?.stderr ? `: ${c.report.stderr}` : "";
  const problem = TROUBLE.has(c.state) ? troubleText({ ...c.report, state: c.state }) + said : undefined;
  return { node: c.node, sha, ...(c.goodSince !== undefined ? { goodSince: c.goodSince } : {}), ...(problem ? { problem } : {}) };
}

/**
 * Advances `v`'s rollout, if one is under way; returns whether anything changed.
 *
 * @example
 * ```ts
 * for (const v of vassals.values()) stepRollout(keeper, v, now);
 * ```
 */
export function stepRollout(keeper: CopyKeeper, v: VassalRecord, now: number): boolean {
  const r = v.rollout;
  if (!r || r.state !== "rolling" || !v.config) return false;
  const copies = keeper.staying(v).filter((c) => keeper.emperors.get(c.node)?.conn !== undefined);
  // None reachable: nothing is proven, so nothing is done (and no config becomes "last good").
  if (copies.length === 0) return false;
  const plan = planRollout(
    r.target,
    copies.map((c) => view(v, c)),
    v.settings?.update ?? UPDATE_DEFAULTS,
    now,
  );
  switch (plan.kind) {
    case "rolling": {
      Object.assign(r, { updated: plan.updated, total: plan.total, waiting: plan.waiting });
      for (const node of plan.update) keeper.step(v, v.copiesOn.get(node)!, { kind: "changed" });
      return plan.update.length > 0;
    }
    case "done":
      Object.assign(r, { state: "done", updated: plan.total, total: plan.total, waiting: [] });
      v.lastGood = v.config;
      log.info("rollout of {name} done: {n} copies updated", { name: v.name, n: plan.total });
      return true;
    case "failed": {
      Object.assign(r, { state: "failed", reason: plan.reason, waiting: [] });
      const back = v.lastGood;
      if (plan.revert.length === 0 || !back || keeper.configs.digest(back) === r.target) {
        log.error("rollout of {name} stopped: {reason}", { name: v.name, reason: plan.reason });
        return true;
      }
      const n = plan.revert.length;
      log.error("rollout of {name} stopped: {reason}; reverting {copies} to the last good config", {
        name: v.name,
        reason: plan.reason,
        copies: n === 1 ? "1 copy" : `${n} copies`,
      });
      Object.assign(v, { revertedFrom: r.target, config: back, sha256: keeper.configs.digest(back) });
      r.state = "reverted";
      for (const node of plan.revert) {
        const c = v.copiesOn.get(node);
        if (c) keeper.step(v, c, { kind: "changed" });
      }
      return true;
    }
  }
}

/**
 * Whether the coordinator's tick may still have something to do for `v`: a rollout under
 * way, a config not yet noted as the last good one ({@link noteGood}), a failure that a
 * recovery would clear. False for a vassal whose copies all run its last good config: the
 * tick leaves it alone until a copy step, report, file change or command touches it. Pure.
 *
 * @example
 * ```ts
 * declare const v: VassalRecord, unsettled: Set<VassalRecord>;
 * if (!mayNeedTick(v)) unsettled.delete(v);
 * ```
 */
export function mayNeedTick(v: VassalRecord): boolean {
  if (v.rollout?.state === "rolling") return true;
  // One config, one id (the store holds each digest once): the config's id is its digest's.
  if (v.config && v.lastGood !== v.config) return true;
  return v.failed !== undefined && !v.stopped;
}

/**
 * Remembers `v`'s config as the last good one once every copy it wants runs it well; returns
 * whether it did (then save: auto_revert needs it after a restart).
 *
 * @example
 * ```ts
 * if (noteGood(keeper, v)) console.log("state changed: save it");
 * ```
 */
export function noteGood(keeper: CopyKeeper, v: VassalRecord): boolean {
  if (!v.config || v.rollout?.state === "rolling" || v.lastGood === v.config) return false;
  const staying = keeper.staying(v);
  if (staying.length < v.copies || !staying.every((c) => c.sha === v.sha256 && keeper.good(v, c))) return false;
  v.lastGood = v.config;
  return true;
}

/**
 * A vassal restored from the saved state (no body yet) whose copies were reverted from the
 * file's config `sha`: it takes the last good config's body and the file's settings, and the
 * file is not rolled out again until it changes. Returns whether it was such a vassal.
 *
 * @example
 * ```ts
 * if (keepReverted(v, sha256Hex(body), { copies: 2 }, keeper.configs)) keeper.place();
 * ```
 */
export function keepReverted(
  v: VassalRecord,
  sha: string,
  wanted: { copies: number; settings?: FleetSettings },
  configs: ConfigStore,
): boolean {
  if (v.config || v.revertedFrom !== sha || !v.lastGood || configs.digest(v.lastGood) !== v.sha256) return false;
  Object.assign(v, { config: v.lastGood, copies: wanted.copies });
  if (wanted.settings) v.settings = wanted.settings;
  else delete v.settings;
  log.info("vassal {name} stays reverted to its last good config", { name: v.name });
  return true;
}

/**
 * The file of `v` holds again the config its copies were reverted to (an operator restored
 * it): the revert's mark and its "rollout reverted" note expire with their cause. Returns
 * whether there was a revert to forget (then save).
 *
 * @example
 * ```ts
 * if (v.sha256 === sha256Hex(body) && forgetRevert(v)) console.log("state changed: save it");
 * ```
 */
export function forgetRevert(v: VassalRecord): boolean {
  if (v.rollout?.state !== "reverted" && v.revertedFrom === undefined) return false;
  log.info("vassal {name} holds its last good config again: its revert is over", { name: v.name });
  delete v.revertedFrom;
  if (v.rollout?.state === "reverted") delete v.rollout;
  return true;
}
