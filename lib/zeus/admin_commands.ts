/**
 * zeus's admin commands: the registry the admin layer (lib/admin/hub.ts) dispatches
 * REQUEST frames to. A new command is one entry here: a handler from the request's vars
 * (and who asked) to the reply's vars; throw AdminError(code, message) to fail.
 *
 * @module
 */
import { drainStatusCommand } from "./drain_command.ts";
import type { AdminHandler } from "../admin/mod.ts";
import type { Located } from "../exec/mod.ts";
import { AdminError } from "../errors.ts";
import { VERSION } from "../cli/mod.ts";
import { getLogger, quoteInput } from "../log/mod.ts";
import type { Coordinator } from "./coordinator.ts";
import type { ZeusAdminContext } from "./admin_context.ts";
import { VASSAL_COMMANDS } from "./vassal_commands.ts";

const log = getLogger("zeus", "admin");

/** What an emperor's --node may be (lib/emperor/zeus_mode.ts checks the same). */
const NODE_NAME = /^[A-Za-z0-9._-]{1,255}$/;

/** Commands a standby answers itself; every other one is the leader's. */
const ANYWHERE = new Set(["ping"]);

/**
 * Wraps `commands` so that on a standby every command but ping fails with code
 * "not-leader", naming the leader in its message and in the `leader` var.
 *
 * @example
 * ```ts
 * import type { AdminHandler } from "../admin/hub.ts";
 * declare const commands: Record<string, AdminHandler<ZeusAdminContext>>;
 * const forLeader = leaderOnly(commands);
 * ```
 */
export function leaderOnly(
  commands: Readonly<Record<string, AdminHandler<ZeusAdminContext>>>,
): Record<string, AdminHandler<ZeusAdminContext>> {
  const out: Record<string, AdminHandler<ZeusAdminContext>> = {};
  for (const [name, handler] of Object.entries(commands)) {
    out[name] = ANYWHERE.has(name)
      ? handler
      : (req) => {
          const leader = req.ctx.leader?.();
          if (leader === undefined) return handler(req);
          throw new AdminError(
            "not-leader",
            leader
              ? `this zeus is a standby: ask the leader at ${leader} (--zeus ${leader})`
              : "this zeus is a standby and no leader is elected yet: try again",
          );
        };
  }
  return out;
}

/** The commands that change what zeus records (drains, stopped vassals): answered once saved. */
const RECORDED = new Set(["drain", "undrain", "forget", "restart", "stop", "start"]);

/**
 * Wraps `commands` so that a command changing zeus's records answers only once its state is
 * written: an operator told "draining" is never met by a zeus that forgot the drain after a
 * crash, however far apart a large state's writes are spaced.
 *
 * @example
 * ```ts
 * import type { AdminHandler } from "../admin/hub.ts";
 * declare const commands: Record<string, AdminHandler<ZeusAdminContext>>;
 * const remembering = savedFirst(commands);
 * ```
 */
export function savedFirst(
  commands: Readonly<Record<string, AdminHandler<ZeusAdminContext>>>,
): Record<string, AdminHandler<ZeusAdminContext>> {
  const out: Record<string, AdminHandler<ZeusAdminContext>> = {};
  for (const [name, handler] of Object.entries(commands)) {
    out[name] = !RECORDED.has(name)
      ? handler
      : async (req) => {
          const reply = await handler(req);
          await req.ctx.saved?.();
          return reply;
        };
  }
  return out;
}

/**
 * Every admin command zeus answers, by name.
 *
 * @example
 * ```ts
 * // client side: await adminRequest(opts, "ping") → { who: "127.0.0.1:51234", version: "0.1.0" }
 * ```
 */
export const ZEUS_ADMIN_COMMANDS: Readonly<Record<string, AdminHandler<ZeusAdminContext>>> = {
  /**
   * Who zeus takes the caller for, and its version: checks that admin access works. A
   * standby adds `leader` (its address, "" while none is elected): exec and logs follow it.
   */
  ping: ({ who, ctx }) => {
    const leader = ctx.leader?.();
    return { who, version: VERSION, ...(leader !== undefined ? { leader } : {}) };
  },
  /** Nothing new goes to `node`; its vassals move away one at a time. */
  drain: ({ vars, who, ctx }) =>
    nodeCommand("drain", vars, who, (node) =>
      ctx.core.drain(node, {
        ...(vars.deadline_ms ? { deadlineMs: Number(vars.deadline_ms) } : {}),
        ...(vars.force === "1" ? { force: true } : {}),
      }),
    ),
  /** Where a drain stands (`zeus drain --wait` polls it). */
  "drain-status": drainStatusCommand,
  /** `node` may take vassals again. */
  undrain: ({ vars, who, ctx }) => nodeCommand("undrain", vars, who, (node) => ctx.core.undrain(node)),
  /** Drops a dead emperor from the list. */
  forget: ({ vars, who, ctx }) => nodeCommand("forget", vars, who, (node) => ctx.core.forget(node)),
  ...VASSAL_COMMANDS,
  /** Reloads a vassal's copies (or its copy on `node`) by its reload rule. */
  restart: ({ vars, who, ctx }) => vassalControl("restart", vars, who, ctx),
  /** Destroys every copy of a vassal and keeps it stopped (saved) until `start`. */
  stop: ({ vars, who, ctx }) => vassalControl("stop", vars, who, ctx),
  /** Runs a stopped vassal again. */
  start: ({ vars, who, ctx }) => vassalControl("start", vars, who, ctx),
};

/**
 * Runs `zeus restart|stop|start`: `vassal` must be given, `node` may; logged like exec
 * (who, what, where).
 *
 * @throws {AdminError} `bad-request`, `no-such-vassal`, `failed`
 */
function vassalControl(
  what: "restart" | "stop" | "start",
  vars: Record<string, string>,
  who: string,
  ctx: ZeusAdminContext,
): Record<string, string> {
  const vassal = vars.vassal;
  if (!vassal) throw new AdminError("bad-request", `${what} needs a vassal`);
  const node = vars.node || undefined;
  const where = node ? `${vassal}@${node}` : vassal;
  try {
    const said = ctx.core.control(what, vassal, node);
    log.info("admin {who}: {what} {where}: {said}", { who, what, where, said });
    return { vassal, said };
  } catch (e) {
    log.warn("admin {who}: {what} {where} refused: {reason}", { who, what, where, reason: (e as Error).message });
    throw e;
  }
}

/**
 * Runs a node command: `node` must be given; the coordinator answers what it did, or
 * throws {@link AdminError} (`no-such-node`, `failed`).
 */
function nodeCommand(name: string, vars: Record<string, string>, who: string, act: (node: string) => string): Record<string, string> {
  const node = vars.node;
  if (!node) throw new AdminError("bad-request", `${name} needs a node`);
  if (!NODE_NAME.test(node))
    throw new AdminError("bad-request", `${name}: ${quoteInput(node)} is not a node name (1-255 letters, digits, ".", "_", "-")`);
  const said = act(node);
  log.info("admin {who}: {name} {node}: {said}", { who, name, node, said });
  return { node, said };
}

/**
 * The emperor an exec or logs stream of `vassal` goes to: the copy on `node` when given,
 * else its first running copy (by node name) whose emperor is connected. Logs (`kind`)
 * of VASSAL@NODE go to NODE even without a copy there: its emperor keeps departed logs.
 *
 * @example
 * ```ts
 * locateVassal(core, "app.toml", undefined); // { node: "n1", conn: 3 } or { code: "no-such-vassal", reason }
 * ```
 */
export function locateVassal(core: Coordinator, vassal: string, node: string | undefined, kind?: "exec" | "logs"): Located {
  const v = core.vassals.get(vassal);
  // The log of a copy that failed, stopped or moved away stays on its emperor: ask it there.
  const e = node === undefined ? undefined : core.emperors.get(node);
  if (kind === "logs" && node !== undefined && !v?.copiesOn.has(node) && e?.alive && e.conn !== undefined) return { node, conn: e.conn };
  if (!v) return { code: "no-such-vassal", reason: `zeus has no vassal ${quoteInput(vassal)}` };
  const live = (n: string) => {
    const e = core.emperors.get(n);
    return e?.alive && e.conn !== undefined ? e.conn : undefined;
  };
  const copies = [...v.copiesOn.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  const where = copies.map((c) => c.node).join(", ") || "nowhere";
  if (node !== undefined) {
    const c = v.copiesOn.get(node);
    if (!c)
      return { code: "no-such-vassal", reason: `vassal ${quoteInput(vassal)} has no copy on ${quoteInput(node)} (it runs on ${where})` };
    const conn = live(node);
    return conn === undefined ? { code: "no-such-emperor", reason: `emperor ${quoteInput(node)} is not connected` } : { node, conn };
  }
  const pick = copies.find((c) => c.state === "running" && live(c.node) !== undefined) ?? copies.find((c) => live(c.node) !== undefined);
  if (!pick) return { code: "no-such-vassal", reason: `vassal ${quoteInput(vassal)} runs nowhere right now (copies: ${where})` };
  return { node: pick.node, conn: live(pick.node)! };
}
