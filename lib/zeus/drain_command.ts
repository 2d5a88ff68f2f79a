/**
 * `zeus drain NODE [--deadline DURATION] [--force] [--wait]`: the admin command's client
 * side, and the `drain-status` handler `--wait` polls.
 *
 * @module
 */
import {
  ADMIN_CLIENT_FLAGS,
  type AdminCommandSpec,
  adminClientOptions,
  adminExitCode,
  type AdminHandler,
  adminRequest,
  runAdminCommand,
} from "../admin/mod.ts";
import { COMMON_FLAGS, parseFlags } from "../cli/mod.ts";
import { parseDuration } from "../config/mod.ts";
import { AdminError, EXIT, UsageError } from "../errors.ts";
import type { ZeusAdminContext } from "./admin_context.ts";
import { drainProgress } from "./drain.ts";
import { drainStatus } from "./drain_status.ts";

const DRAIN_FLAGS = { deadline: { type: "string" }, force: { type: "boolean" }, wait: { type: "boolean" } } as const;

/** The client spec of `zeus drain`. */
export const DRAIN: AdminCommandSpec = {
  bin: "zeus",
  help: `zeus drain: places nothing new on emperor NODE and moves its vassals away, one at a time, each new copy running before the old one stops.

Usage:
  zeus drain NODE [--deadline DURATION] [--force] [--wait] [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]

A copy whose replacement no other emperor may take is never stopped: the drain is then
"blocked" and zeus status says why ("no emperor meets zone=z1").
  --deadline DURATION  at this time from now (30s, 10m, 1h) stop the copies left: the drain ends "forced"
  --force              stop the copies left now (the drain ends "forced")
  --wait               return when the drain is done (exit 0), blocked or forced (exit ${EXIT.drainUnfinished})`,
  command: "drain",
  positionals: ["NODE"],
  flags: DRAIN_FLAGS,
  vars: ([node], flags) => {
    const vars: Record<string, string> = { node: node! };
    if (flags.deadline !== undefined) {
      const ms = parseDuration(String(flags.deadline));
      if (ms === undefined) throw new UsageError(`--deadline "${String(flags.deadline)}" is not a duration: give 30s, 10m or 1h`);
      vars.deadline_ms = String(ms);
    }
    if (flags.force) vars.force = "1";
    return vars;
  },
  print: (r) => r.said ?? "",
};

/**
 * Answers `drain-status NODE`: the drain's fields as in `/status` (`drain`, `drain_moved`, ...).
 *
 * @throws {AdminError} `no-such-node`
 */
export const drainStatusCommand: AdminHandler<ZeusAdminContext> = ({ vars, ctx }) => {
  const e = ctx.core.emperors.get(vars.node ?? "");
  if (!e) throw new AdminError("no-such-node", `no emperor "${vars.node ?? ""}" (zeus status lists them)`);
  const s = drainStatus(e);
  return {
    node: e.node,
    state: s.drain ?? "none",
    moved: String(s.drain_moved ?? 0),
    stopped: String(s.drain_stopped ?? 0),
    total: String(s.drain_total ?? 0),
    deadline: s.drain_deadline ?? "",
    blocked: (s.drain_blocked ?? []).map((b) => `${b.vassal}: ${b.reason}`).join("; "),
  };
};

/**
 * Runs `zeus drain ...`; with `--wait`, polls until the drain is done (0), blocked or forced
 * ({@link EXIT.drainUnfinished}). Returns the exit code.
 *
 * @throws {UsageError} on bad flags
 * @example
 * ```ts
 * process.exitCode = await runDrainCommand(["e1", "--deadline", "10m", "--wait"]);
 * ```
 */
export async function runDrainCommand(args: string[]): Promise<number> {
  const code = await runAdminCommand(args, DRAIN);
  const { values, positionals } = parseFlags(args, { ...COMMON_FLAGS, ...ADMIN_CLIENT_FLAGS, ...DRAIN_FLAGS }, true);
  if (!values.wait || code !== EXIT.ok) return code;
  const node = positionals[0]!;
  const opts = await adminClientOptions(values as { zeus?: string; ca?: string; cert?: string; key?: string });
  for (;;) {
    let r: Record<string, string>;
    try {
      r = await adminRequest(opts, "drain-status", { node });
    } catch (e) {
      if (!(e instanceof AdminError)) throw e;
      process.stderr.write(`zeus drain: ${e.message}\n`);
      return adminExitCode(e.code);
    }
    const done = r.state === "drained";
    // A blocked drain with a deadline still ends: at the deadline.
    if (done || (r.state === "blocked" && !r.deadline) || r.state === "forced" || r.state === "none") {
      const why = r.blocked ? `: ${r.blocked}` : "";
      const progress = drainProgress(Number(r.moved), Number(r.total), Number(r.stopped ?? 0));
      process.stdout.write(`drain of ${node} ${r.state === "drained" ? "done" : r.state}, ${progress}${why}\n`);
      return done ? EXIT.ok : EXIT.drainUnfinished;
    }
    // The polling interval of --wait (a client asking a server), not a wait for a local condition.
    await Bun.sleep(250);
  }
}
