/**
 * `zeus exec`, `zeus logs`, `emperor exec` and `emperor logs`: the command lines of the
 * exec and logs clients, through zeus (its admin port) or straight to a local emperor
 * (its Unix socket, STATE_DIR/run/admin.sock).
 *
 * @module
 */
import { join, resolve } from "node:path";
import {
  ADMIN_CLIENT_FLAGS,
  ADMIN_CLIENT_HELP,
  ADMIN_EXIT_HELP,
  type AdminClientOptions,
  adminClientOptions,
  AdminConnection,
  adminExitCode,
  openFollowingLeader,
  type StreamOpen,
} from "../admin/mod.ts";
import { COMMON_FLAGS, defineCommand, handleCommon, parseFlags, parseNumber } from "../cli/mod.ts";
import { defaultStateDir } from "./state_dir.ts";
import { AdminError, UsageError } from "../errors.ts";
import { runStream } from "./client_stream.ts";
import { windowSize } from "./terminal.ts";

/** Where the emperor's local admin socket lives in its state dir. */
export const LOCAL_SOCKET = join("run", "admin.sock");

const EXEC_FLAGS = {
  tty: { type: "boolean", short: "t" },
  interactive: { type: "boolean", short: "i" },
} as const;
const LOGS_FLAGS = {
  follow: { type: "boolean", short: "f" },
  lines: { type: "string", short: "n", default: "10" },
} as const;
const STATE_FLAG = { "state-dir": { type: "string" } } as const;

const EXIT_HELP = `Exit codes: the command's own (128 + N when signal N ended it), 2 usage error,
  126/127 the command cannot be run / was not found, 1 other failures, and
${ADMIN_EXIT_HELP}`;

const help = {
  zeusExec: `zeus exec: runs COMMAND where a vassal runs (its emperor; the first copy, or the one on NODE),
in the vassal's working directory, environment and user.

Usage:
  zeus exec [-t] [-i] [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY] VASSAL[@NODE] -- COMMAND [ARGS...]

Options:
  -t, --tty            give the command a terminal (raw mode here, window size and ^C ^\\ ^Z passed on)
  -i, --interactive    stream standard input to the command (EOF included)
${ADMIN_CLIENT_HELP}
  If this client is killed or disconnected, the command is killed.

${EXIT_HELP}`,
  zeusLogs: `zeus logs: prints the last lines of a vassal's log from its emperor; -f follows it.

Usage:
  zeus logs [-f] [-n LINES] [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY] VASSAL[@NODE]

Options:
  -f, --follow         keep printing what the vassal writes, until interrupted
  -n, --lines N        how many lines to start with (default 10)
${ADMIN_CLIENT_HELP}

${EXIT_HELP}`,
  emperorExec: `emperor exec: runs COMMAND inside a vassal of the emperor running on this machine
(its working directory, environment and user), through the emperor's owner-only socket.

Usage:
  emperor exec [-t] [-i] [--state-dir DIR] NAME -- COMMAND [ARGS...]

Options:
  -t, --tty            give the command a terminal
  -i, --interactive    stream standard input to the command
  --state-dir DIR      the emperor's state dir (default /var/lib/emperor as root, else ./emperor-state)

${EXIT_HELP}`,
  emperorLogs: `emperor logs: prints the last lines of a vassal's log; -f follows it.

Usage:
  emperor logs [-f] [-n LINES] [--state-dir DIR] NAME

${EXIT_HELP}`,
};

/** "app.toml@n1" → vassal and node. */
function target(arg: string): { vassal: string; node?: string } {
  const at = arg.lastIndexOf("@");
  if (at < 0) return { vassal: arg };
  if (at === 0 || at === arg.length - 1) throw new UsageError(`"${arg}" is not VASSAL or VASSAL@NODE`);
  return { vassal: arg.slice(0, at), node: arg.slice(at + 1) };
}

/** Zeus's streams go to the leader when `opts` reaches a standby; an emperor's socket is itself. */
async function connect(opts: AdminClientOptions, prog: string): Promise<AdminConnection | number> {
  try {
    return opts.unix ? await AdminConnection.open(opts) : await openFollowingLeader(opts);
  } catch (e) {
    if (!(e instanceof AdminError)) throw e;
    process.stderr.write(`${prog}: ${e.message}\n`);
    return adminExitCode(e.code);
  }
}

async function run(opts: AdminClientOptions, open: StreamOpen, call: { stdin: boolean; tty: boolean; prog: string }): Promise<number> {
  const conn = await connect(opts, call.prog);
  if (typeof conn === "number") return conn;
  try {
    return await runStream(conn, open, call);
  } finally {
    conn.close();
  }
}

/**
 * Runs `zeus exec`, `zeus logs`, `emperor exec` or `emperor logs` with `args` (after the
 * subcommand); returns the exit code.
 *
 * @throws {UsageError} on bad flags or arguments
 * @example
 * ```ts
 * if (args[0] === "exec") process.exitCode = await runExecCommand("zeus", "exec", args.slice(1));
 * ```
 */
export async function runExecCommand(bin: "zeus" | "emperor", sub: "exec" | "logs", args: string[]): Promise<number> {
  const prog = `${bin} ${sub}`;
  const dash = args.indexOf("--");
  const mine = sub === "exec" && dash >= 0 ? args.slice(0, dash) : args;
  const command = sub === "exec" && dash >= 0 ? args.slice(dash + 1) : [];
  const flags = { ...COMMON_FLAGS, ...(sub === "exec" ? EXEC_FLAGS : LOGS_FLAGS), ...(bin === "zeus" ? ADMIN_CLIENT_FLAGS : STATE_FLAG) };
  const { values: v, positionals } = parseFlags(mine, flags, true);
  const text = bin === "zeus" ? (sub === "exec" ? help.zeusExec : help.zeusLogs) : sub === "exec" ? help.emperorExec : help.emperorLogs;
  const done = handleCommon(bin, text, v as { help?: boolean; version?: boolean; "log-level"?: string });
  if (done !== undefined) return done;
  const values = v as Record<string, string | boolean | undefined>;

  const [where, ...rest] = positionals;
  if (where === undefined) throw new UsageError(`${sub}: name the vassal (${bin === "zeus" ? "VASSAL[@NODE]" : "NAME"})`);
  const argv = [...rest, ...command];
  const t = bin === "zeus" ? target(where) : { vassal: where };
  const opts: AdminClientOptions =
    bin === "zeus"
      ? await adminClientOptions(values as { zeus?: string; ca?: string; cert?: string; key?: string })
      : { host: "", port: 0, unix: join(resolve((values["state-dir"] as string | undefined) ?? defaultStateDir()), LOCAL_SOCKET) };
  if (sub === "logs") {
    if (argv.length > 0) throw new UsageError(`${sub}: unexpected ${argv.map((a) => `"${a}"`).join(" ")}`);
    const lines = parseNumber("--lines", values.lines as string, { integer: true });
    return await run(opts, { kind: "logs", ...t, lines, follow: values.follow === true }, { stdin: false, tty: false, prog });
  }
  if (argv.length === 0) throw new UsageError(`${sub}: no command: ${bin} exec ${where} -- COMMAND [ARGS...]`);
  const tty = values.tty === true;
  const stdin = values.interactive === true;
  const size = windowSize();
  const open: StreamOpen = { kind: "exec", ...t, argv, tty, stdin, ...size, ...(process.env.TERM ? { term: process.env.TERM } : {}) };
  return await run(opts, open, { stdin, tty, prog });
}

/** Registers `BIN exec` and `BIN logs` (help, flags) for completion and man pages. */
export function defineExecCommands(bin: "zeus" | "emperor"): void {
  const where = bin === "zeus" ? ADMIN_CLIENT_FLAGS : STATE_FLAG;
  const [exec, logs] = bin === "zeus" ? [help.zeusExec, help.zeusLogs] : [help.emperorExec, help.emperorLogs];
  defineCommand({
    program: bin,
    sub: "exec",
    summary: "run a command where a vassal runs",
    help: exec,
    flags: { ...EXEC_FLAGS, ...where },
    positionals: true,
  });
  defineCommand({
    program: bin,
    sub: "logs",
    summary: "print (-f: follow) a vassal's log",
    help: logs,
    flags: { ...LOGS_FLAGS, ...where },
    positionals: true,
  });
}
