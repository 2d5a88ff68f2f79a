/**
 * Reconciling an emperor's vassal report with what zeus holds (pure): the decisions, not
 * their execution. The rule: nothing runs more copies than its config asks for, a running
 * copy is never restarted to be confirmed, and a copy that is running beats one still
 * being started elsewhere and one only remembered from the saved state (a new leader's
 * state may be older than the placements the last leader made but could not save).
 *
 * @module
 */
import type { ReportedVassal } from "../zeus_protocol/mod.ts";
import { placing } from "./copy_lifecycle.ts";
import { copiesWanted, type VassalRecord } from "./records.ts";

/** What to do about one emperor's report. */
export interface ReconcilePlan {
  /** Held by zeus and reported: keep as is (no message); update when the digest is stale. */
  confirm: ReportedVassal[];
  /** Held by zeus, not reported: the copy is gone and must be placed again. */
  lost: string[];
  /** Being destroyed and still reported: ask again. */
  destroyAgain: string[];
  /** Being destroyed and no longer reported: done. */
  destroyed: string[];
  /**
   * Not held, and its vassal is short of a copy: keep it as one. `replaces` is a copy
   * elsewhere it wins over, to destroy: one still starting, or one restored from the saved
   * state that its emperor has not reported.
   */
  adopt: { vassal: ReportedVassal; replaces?: string }[];
  /** Not held and not wanted: an extra copy, or a vassal with no (usable) file. */
  destroy: { name: string; extra: boolean }[];
}

/**
 * Decides what to do about the vassals `node` reports, given the copies zeus holds there
 * (`held`), the ones it asked it to destroy (`destroying`), and the vassals by name.
 *
 * @example
 * ```ts
 * declare const report: ReportedVassal[];
 * const plan = planReconcile("e1", new Set(["a.toml"]), new Set(), report, core.vassals);
 * ```
 */
export function planReconcile(
  node: string,
  held: ReadonlySet<string>,
  destroying: ReadonlySet<string>,
  reported: readonly ReportedVassal[],
  vassals: ReadonlyMap<string, VassalRecord>,
): ReconcilePlan {
  const plan: ReconcilePlan = { confirm: [], lost: [], destroyAgain: [], destroyed: [], adopt: [], destroy: [] };
  const rep = new Map(reported.map((r) => [r.name, r]));
  for (const name of held) {
    const r = rep.get(name);
    rep.delete(name);
    if (r) plan.confirm.push(r);
    else plan.lost.push(name);
  }
  for (const name of destroying) {
    if (rep.delete(name)) plan.destroyAgain.push(name);
    else plan.destroyed.push(name);
  }
  for (const r of rep.values()) {
    const v = vassals.get(r.name);
    if (!v || (v.error && !v.config)) {
      plan.destroy.push({ name: r.name, extra: false });
      continue;
    }
    const others = [...v.copiesOn.values()].filter((c) => c.node !== node);
    if (others.length < copiesWanted(v)) {
      plan.adopt.push({ vassal: r });
      continue;
    }
    const beaten = others.find((c) => c.state === "restored") ?? others.find((c) => placing(c.state));
    if (beaten) plan.adopt.push({ vassal: r, replaces: beaten.node });
    else plan.destroy.push({ name: r.name, extra: true });
  }
  return plan;
}
