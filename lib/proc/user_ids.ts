/**
 * A plain vassal's `user` and `group` as numeric ids, looked up through the system's
 * name service (`id`, `getent`), so LDAP users work like local ones.
 *
 * @module
 */
import { spawnSync } from "node:child_process";

/** Numeric ids to run a vassal as. */
export interface RunAs {
  uid?: number;
  gid?: number;
  /** Take the supplementary groups of the user (set when `user` is given). */
  initGroups: boolean;
}

function lookup(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Resolves `user` (name or number) and `group` (name or number); without `group`, the
 * user's primary group is used, so a vassal never keeps the emperor's group.
 *
 * @throws {Error} `user "x" does not exist` / `group "x" does not exist`
 * @example
 * ```ts
 * resolveRunAs("nobody", undefined); // { uid: 65534, gid: 65534, initGroups: true }
 * ```
 */
export function resolveRunAs(user: string | undefined, group: string | undefined): RunAs {
  const out: RunAs = { initGroups: user !== undefined };
  if (user !== undefined) {
    const uid = /^[0-9]+$/.test(user) ? user : lookup("id", ["-u", "--", user]);
    if (uid === undefined) throw new Error(`user "${user}" does not exist`);
    out.uid = Number(uid);
    if (group === undefined) {
      const gid = lookup("id", ["-g", "--", user]);
      if (gid === undefined) throw new Error(`user "${user}" has no primary group`);
      out.gid = Number(gid);
    }
  }
  if (group !== undefined) {
    const gid = /^[0-9]+$/.test(group) ? group : lookup("getent", ["group", group])?.split(":")[2];
    if (gid === undefined || gid === "") throw new Error(`group "${group}" does not exist`);
    out.gid = Number(gid);
  }
  return out;
}
