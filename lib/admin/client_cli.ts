/**
 * The command-line side every admin subcommand shares: `--zeus HOST:PORT` (default
 * 127.0.0.1:4040) and `--ca/--cert/--key` (as sprog takes them), the exit codes of admin
 * failures, and {@link runAdminCommand}, which makes a request/reply subcommand a few lines.
 *
 * @module
 */
import type { ParseArgsConfig } from "node:util";
import { COMMON_FLAGS, defineCommand, handleCommon, parseFlags } from "../cli/mod.ts";
import { AdminError, EXIT, UsageError } from "../errors.ts";
import { loadClientFiles, parseHostPort } from "../tls/mod.ts";
import { AdminConnection, type AdminClientOptions, adminRequest } from "./client.ts";

/** parseArgs options of the admin client flags. */
export const ADMIN_CLIENT_FLAGS = {
  zeus: { type: "string", default: "127.0.0.1:4040" },
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
} as const;

/** The help lines of {@link ADMIN_CLIENT_FLAGS}. */
export const ADMIN_CLIENT_HELP = `  --zeus HOST:PORT     zeus's listening port (default 127.0.0.1:4040)
  --ca CA              with TLS: the CA zeus's certificate chains to
  --cert CRT --key KEY with client certificates: an admin certificate (named by zeus --admin NAME)`;

/** The exit-code lines of admin clients' `--help`. */
export const ADMIN_EXIT_HELP = `  ${EXIT.notFound} no such vassal, node or emperor
  ${EXIT.refused} refused: not an admin client (zeus --admin NAME, or a loopback address in plain mode),
      or exec disabled on that emperor (--no-exec)
  ${EXIT.lost} zeus or the emperor unreachable, or the connection lost`;

/** The exit code for an admin failure `code` (see {@link EXIT}). */
export function adminExitCode(code: string): number {
  if (code === "refused" || code === "exec-disabled") return EXIT.refused;
  if (code === "tls-misuse") return EXIT.usage;
  if (code === "unreachable" || code === "lost") return EXIT.lost;
  if (code.startsWith("no-such-")) return EXIT.notFound;
  return EXIT.failure;
}

/**
 * Turns parsed admin flags into client options, loading TLS files.
 *
 * @throws {UsageError} on a bad --zeus, --cert without --key, or a TLS file that cannot be read
 */
export async function adminClientOptions(v: { zeus?: string; ca?: string; cert?: string; key?: string }): Promise<AdminClientOptions> {
  let where;
  try {
    where = parseHostPort(v.zeus ?? "127.0.0.1:4040");
  } catch (e) {
    throw new UsageError(`--zeus: ${(e as Error).message}`, { cause: e });
  }
  if (!v.cert !== !v.key) throw new UsageError("--cert and --key go together");
  if (!v.ca && !v.cert) return { host: where.host, port: where.port };
  try {
    const tls = await loadClientFiles({ ...(v.ca ? { ca: v.ca } : {}), ...(v.cert ? { cert: v.cert, key: v.key! } : {}) });
    return { host: where.host, port: where.port, tls };
  } catch (e) {
    throw new UsageError((e as Error).message, { cause: e });
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What a request/reply subcommand is made of. */
export interface AdminCommandSpec {
  /** The binary name, for logging setup and --help ("zeus"). */
  bin: string;
  /** Its help text (usage, options; {@link ADMIN_CLIENT_HELP} is appended). */
  help: string;
  /** The admin command sent to zeus. */
  command: string;
  /** Names of the positional arguments, all required (e.g. ["NODE"]). */
  positionals: string[];
  /** Extra flags of this subcommand. */
  flags?: Options;
  /** The request's vars from positionals and flags. */
  vars(positionals: string[], flags: Record<string, unknown>): Record<string, string>;
  /** What to print of the reply (default: nothing). */
  print?(reply: Record<string, string>): string;
}

/**
 * Sends one request; a standby's `not-leader` answer that names the leader (several zeus)
 * is followed once, to that address with the same TLS files.
 */
async function requestFollowingLeader(opts: AdminClientOptions, command: string, vars: Record<string, string>) {
  try {
    return await adminRequest(opts, command, vars);
  } catch (e) {
    const to = e instanceof AdminError && e.code === "not-leader" ? /\(--zeus (\S+)\)$/.exec(e.message)?.[1] : undefined;
    if (!to) throw e;
    let leader;
    try {
      leader = parseHostPort(to);
    } catch {
      throw e;
    }
    return await adminRequest({ ...opts, host: leader.host, port: leader.port }, command, vars);
  }
}

/**
 * Opens an admin connection for streams (exec, logs): when the zeus it reaches is a standby
 * that names its leader (ping's `leader`), the connection goes to the leader instead, with
 * the same TLS files, as {@link runAdminCommand} follows a request's `not-leader`. Asked
 * before the stream opens, so no input read for it is lost on the standby.
 *
 * @throws {AdminError} when zeus or its leader cannot be reached or refuses the client
 * @example
 * ```ts
 * const conn = await openFollowingLeader({ host: "127.0.0.1", port: 4040 });
 * ```
 */
export async function openFollowingLeader(opts: AdminClientOptions): Promise<AdminConnection> {
  const conn = await AdminConnection.open(opts);
  let to;
  try {
    to = (await conn.request("ping")).leader;
  } catch (e) {
    conn.close();
    throw e;
  }
  if (!to) return conn;
  conn.close();
  let leader;
  try {
    leader = parseHostPort(to);
  } catch (e) {
    throw new AdminError("unreachable", `this zeus is a standby naming a leader at "${to}", which is not HOST:PORT`, { cause: e });
  }
  return await AdminConnection.open({ ...opts, host: leader.host, port: leader.port });
}

/**
 * Runs a request/reply admin subcommand: flags, one request, the reply printed; returns
 * the exit code. A failure prints one line on stderr.
 *
 * @throws {UsageError} on bad flags or arguments
 * @example
 * ```ts
 * const code = await runAdminCommand(args.slice(1), {
 *   bin: "zeus", help: "Usage: zeus drain NODE [--zeus HOST:PORT]", command: "drain",
 *   positionals: ["NODE"], vars: ([node]) => ({ node: node! }), print: (r) => `draining ${r.node}`,
 * });
 * ```
 */
export async function runAdminCommand(args: string[], spec: AdminCommandSpec): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...COMMON_FLAGS, ...ADMIN_CLIENT_FLAGS, ...spec.flags }, true);
  const help = `${spec.help.trimEnd()}\n${ADMIN_CLIENT_HELP}\n\nExit codes of admin commands besides 0, 1, 2:\n${ADMIN_EXIT_HELP}`;
  const done = handleCommon(spec.bin, help, values);
  if (done !== undefined) return done;
  if (positionals.length !== spec.positionals.length)
    throw new UsageError(
      `expected ${spec.positionals.join(" ") || "no arguments"}, got ${positionals.length ? positionals.map((p) => `"${p}"`).join(" ") : "none"}`,
    );
  const opts = await adminClientOptions(values);
  const vars = spec.vars(positionals, values);
  try {
    const reply = await requestFollowingLeader(opts, spec.command, vars);
    const out = spec.print?.(reply);
    if (out) process.stdout.write(`${out}\n`);
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof AdminError)) throw e;
    process.stderr.write(`${spec.bin} ${spec.command}: ${e.message}\n`);
    return adminExitCode(e.code);
  }
}

/**
 * Registers an admin subcommand's definition (help, flags) for `--help`-made completion and
 * man pages; `sub` is the subcommand word(s), e.g. "drain" or "vassal put".
 *
 * @example
 * ```ts
 * declare const PING: AdminCommandSpec;
 * defineAdminCommand("ping", PING);
 * ```
 */
export function defineAdminCommand(sub: string, spec: AdminCommandSpec): void {
  defineCommand({
    program: spec.bin,
    sub,
    summary: spec.help.split("\n")[0]!.replace(/^[\w ]+: /, ""),
    help: `${spec.help.trimEnd()}\n${ADMIN_CLIENT_HELP}`,
    flags: { ...ADMIN_CLIENT_FLAGS, ...spec.flags },
    positionals: true,
  });
}
