/**
 * `zeus restart|stop|start VASSAL[@NODE]` on the coordinator's records: restart reloads
 * copies by the vassal's reload rule; stop destroys every copy and keeps the vassal
 * stopped (saved in the state, so through zeus and emperor restarts) until start.
 * Each returns the sentence the admin client prints, or throws {@link AdminError}.
 *
 * @module
 */
import { AdminError } from "../errors.ts";
import type { CopyKeeper } from "./copy_keeper.ts";
import { plural } from "./coordinator_types.ts";
import type { EmperorRecord, VassalRecord } from "./records.ts";

/** What the controls need of the coordinator. */
export interface ControlScope {
  keeper: CopyKeeper;
  vassals: ReadonlyMap<string, VassalRecord>;
  emperors: ReadonlyMap<string, EmperorRecord>;
}

/**
 * The vassal named `name`.
 *
 * @throws {AdminError} `no-such-vassal`
 */
function vassalOf(scope: ControlScope, name: string): VassalRecord {
  const v = scope.vassals.get(name);
  if (!v) throw new AdminError("no-such-vassal", `zeus has no vassal "${name}" (zeus status lists them)`);
  return v;
}

/**
 * Reloads the copies of `name` (the one on `node` when given) by the vassal's reload rule.
 *
 * @throws {AdminError} `no-such-vassal` (no such vassal or copy), `failed` (stopped, or no copy whose emperor is connected)
 * @example
 * ```ts
 * declare const scope: ControlScope;
 * restartVassal(scope, "web.toml", "e1"); // "restarting web.toml on e1"
 * ```
 */
export function restartVassal(scope: ControlScope, name: string, node?: string): string {
  const v = vassalOf(scope, name);
  if (v.stopped) throw new AdminError("failed", `${name} is stopped: zeus start ${name} runs it again`);
  const all = [...v.copiesOn.values()];
  if (node !== undefined && !v.copiesOn.has(node)) {
    const where = all.map((c) => c.node).join(", ") || "nowhere";
    throw new AdminError("no-such-vassal", `vassal "${name}" has no copy on "${node}" (it runs on ${where})`);
  }
  const copies = all.filter((c) => (node === undefined || c.node === node) && scope.emperors.get(c.node)?.conn !== undefined);
  const done = copies.filter((c) => scope.keeper.step(v, c, { kind: "touched" })).map((c) => c.node);
  if (done.length === 0)
    throw new AdminError("failed", `no copy of ${name}${node ? ` on ${node}` : ""} can be restarted now (zeus status says why)`);
  return `restarting ${name} on ${done.sort().join(", ")}`;
}

/**
 * Stops every copy of `name` and keeps it stopped until {@link startVassal}. A node is
 * refused: a stopped copy would otherwise be placed again elsewhere.
 *
 * @throws {AdminError} `no-such-vassal`, `bad-request` when `node` is given
 * @example
 * ```ts
 * declare const scope: ControlScope;
 * stopVassal(scope, "web.toml"); // "stopping web.toml: 2 copies destroyed; it stays stopped until zeus start web.toml"
 * ```
 */
export function stopVassal(scope: ControlScope, name: string, node?: string): string {
  if (node !== undefined)
    throw new AdminError(
      "bad-request",
      `zeus stop ${name}@${node}: stop applies to every copy of a vassal; drain ${node} to move its copy away`,
    );
  const v = vassalOf(scope, name);
  if (v.stopped) return `${name} is already stopped`;
  v.stopped = true;
  const n = v.copiesOn.size;
  for (const c of [...v.copiesOn.keys()]) scope.keeper.remove(v, c);
  return `stopping ${name}: ${plural(n, "copy", "copies")} destroyed; it stays stopped until zeus start ${name}`;
}

/**
 * Runs a stopped vassal again (its copies are placed as for a new file).
 *
 * @throws {AdminError} `no-such-vassal`, `bad-request` when `node` is given
 * @example
 * ```ts
 * declare const scope: ControlScope;
 * startVassal(scope, "web.toml"); // "starting web.toml: placing 2 copies"
 * ```
 */
export function startVassal(scope: ControlScope, name: string, node?: string): string {
  if (node !== undefined) throw new AdminError("bad-request", `zeus start ${name}@${node}: start applies to every copy of a vassal`);
  const v = vassalOf(scope, name);
  if (!v.stopped) return `${name} is not stopped`;
  v.stopped = false;
  return `starting ${name}: placing ${plural(v.copies, "copy", "copies")}`;
}
