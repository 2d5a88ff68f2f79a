/**
 * `zeus vassal put NAME FILE` and `zeus vassal rm NAME`: operators write vassal configs
 * where zeus reads them (the etcd prefix of `--vassals etcd://...`, or the vassals
 * directory), through the leader, as admin commands. A config zeus could not place is
 * refused with its reason before anything is written.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { AdminCommandSpec, AdminHandler } from "../admin/mod.ts";
import { AdminError, errCode, UsageError } from "../errors.ts";
import { quoteInput } from "../log/mod.ts";
import { vassalNameProblem } from "../vassal/mod.ts";
import type { ZeusAdminContext } from "./admin_context.ts";
import { wantedCopies } from "./vassal_copies.ts";
import { VASSAL_FILE } from "./vassal_source.ts";

function checkName(name: string | undefined): string {
  if (!name) throw new AdminError("bad-request", "no vassal name given");
  const problem = vassalNameProblem(name);
  if (problem) throw new AdminError("bad-request", problem);
  if (!VASSAL_FILE.test(name)) throw new AdminError("bad-request", `vassal name ${quoteInput(name)} does not end in .ini or .toml`);
  return name;
}

/** The server side: handlers by admin command name. */
export const VASSAL_COMMANDS: Readonly<Record<string, AdminHandler<ZeusAdminContext>>> = {
  "vassal-put": async ({ vars, ctx }) => {
    const name = checkName(vars.name);
    const body = vars.body ?? "";
    const wanted = wantedCopies(name, body);
    if ("error" in wanted) throw new AdminError("bad-config", wanted.error);
    await ctx.vassals.put(name, new TextEncoder().encode(body));
    return { name, where: ctx.vassals.where, copies: String(wanted.copies) };
  },
  "vassal-rm": async ({ vars, ctx }) => {
    const name = checkName(vars.name);
    if (!(await ctx.vassals.remove(name))) throw new AdminError("no-such-vassal", `no vassal ${quoteInput(name)} in ${ctx.vassals.where}`);
    return { name, where: ctx.vassals.where };
  },
};

/** `zeus vassal put NAME FILE`. */
export const VASSAL_PUT: AdminCommandSpec = {
  bin: "zeus",
  help: `zeus vassal put: writes a vassal config where zeus reads its vassals (an etcd prefix or
its directory), through the leader; zeus places, updates or reloads it as for a file.

Usage:
  zeus vassal put NAME FILE [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]
  (NAME ends in .toml or .ini; a config zeus could not place is refused, with why)`,
  command: "vassal-put",
  positionals: ["NAME", "FILE"],
  vars: ([name, file]) => {
    try {
      return { name: name!, body: readFileSync(file!, "utf8") };
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${errCode(e)}`, { cause: e });
    }
  },
  print: (r) => `${r.name} written to ${r.where} (${r.copies} ${r.copies === "1" ? "copy" : "copies"} wanted)`,
};

/** `zeus vassal rm NAME`. */
export const VASSAL_RM: AdminCommandSpec = {
  bin: "zeus",
  help: `zeus vassal rm: removes a vassal from where zeus reads its vassals, through the leader;
zeus destroys its copies.

Usage:
  zeus vassal rm NAME [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]`,
  command: "vassal-rm",
  positionals: ["NAME"],
  vars: ([name]) => ({ name: name! }),
  print: (r) => `${r.name} removed from ${r.where}`,
};
