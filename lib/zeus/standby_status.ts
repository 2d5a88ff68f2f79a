/**
 * `zeus status` against a standby: a standby holds no emperors or vassals (they are the
 * leader's), so status shows the leader's, read from the stats address the leader
 * advertises in etcd, and says so; without one it says why there is nothing to show.
 *
 * @module
 */
import { fetchStatus } from "../stats/mod.ts";
import type { ZeusStatus } from "./zeus_status.ts";

/** What `zeus status` shows for a standby: the leader's document, or a note alone. */
export type StandbyView = { note: string; leader: ZeusStatus } | { note: string; leader?: undefined };

/**
 * Follows standby `s` to its leader's `/status`. The leader's document comes back with
 * this standby's id as `ha.id`, so "(this zeus)" still marks the zeus that was asked.
 *
 * @param get how a `/status` is fetched (tests pass their own)
 * @example
 * ```ts
 * declare const standby: ZeusStatus;
 * const view = await followLeader(standby);
 * console.log(view.note); // "this zeus (z2) is a standby: the leader z1's status, from its stats at 127.0.0.1:4041"
 * ```
 */
export async function followLeader(s: ZeusStatus, get: (addr: string) => Promise<unknown> = fetchStatus): Promise<StandbyView> {
  const ha = s.ha!;
  const me = `this zeus (${ha.id}) is a standby`;
  const l = ha.leader;
  if (!l) return { note: `${me} and no leader is elected yet: there are no emperors or vassals to show` };
  if (!l.stats)
    return { note: `${me}; the leader ${l.id} at ${l.zeus} serves no --stats, so its emperors and vassals cannot be shown here` };
  let doc: ZeusStatus;
  try {
    doc = (await get(l.stats)) as ZeusStatus;
  } catch (e) {
    return { note: `${me}; the leader ${l.id}'s status: ${(e as Error).message} (zeus status --stats ${l.stats} asks it)` };
  }
  if (doc.ha?.role !== "leader")
    return { note: `${me}; ${l.stats}, named as the leader ${l.id}'s stats, is not leading now: ask again in a moment` };
  return { note: `${me}: the leader ${l.id}'s status, from its stats at ${l.stats}`, leader: { ...doc, ha: { ...doc.ha, id: ha.id } } };
}
