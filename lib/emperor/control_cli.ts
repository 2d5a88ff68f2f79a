/**
 * `emperor restart|stop|start [--state-dir DIR] NAME`: one request to the emperor running
 * on this machine, through its owner-only socket (local_admin.ts, local_control.ts).
 *
 * @module
 */
import { join, resolve } from "node:path";
import { adminExitCode, adminRequest } from "../admin/mod.ts";
import { COMMON_FLAGS, defineCommand, handleCommon, parseFlags } from "../cli/mod.ts";
import { AdminError, EXIT, UsageError } from "../errors.ts";
import { defaultStateDir, LOCAL_SOCKET } from "../exec/mod.ts";

const FLAGS = { "state-dir": { type: "string" } } as const;

/** One of `emperor restart|stop|start`. */
export interface ControlSpec {
  command: "restart" | "stop" | "start";
  help: string;
}

const spec = (command: ControlSpec["command"], what: string): ControlSpec => ({
  command,
  help: `emperor ${command}: ${what}, through the owner-only socket of the emperor running on this machine.

Usage:
  emperor ${command} [--state-dir DIR] NAME

Options:
  --state-dir DIR      the emperor's state dir (default /var/lib/emperor as root, else ./emperor-state)`,
});

/** The three subcommands, by name. */
export const EMPEROR_CONTROLS: Readonly<Record<string, ControlSpec>> = {
  restart: spec("restart", "reloads vassal NAME by its reload rule"),
  stop: spec("stop", "stops vassal NAME and keeps it stopped (through emperor restarts) until emperor start; directory mode only"),
  start: spec("start", "runs a vassal stopped by emperor stop again; directory mode only"),
};

for (const [sub, s] of Object.entries(EMPEROR_CONTROLS))
  defineCommand({
    program: "emperor",
    sub,
    summary: s.help.split("\n")[0]!.replace(/^[\w ]+: /, ""),
    help: s.help,
    flags: FLAGS,
    positionals: true,
  });

/**
 * Runs `emperor restart|stop|start` with `args` (after the subcommand); returns the exit code.
 *
 * @throws {UsageError} on bad flags or arguments
 * @example
 * ```ts
 * const code = await runLocalCommand(["--state-dir", "/var/lib/emperor", "web.toml"], EMPEROR_CONTROLS.restart!);
 * ```
 */
export async function runLocalCommand(args: string[], s: ControlSpec): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...COMMON_FLAGS, ...FLAGS }, true);
  const done = handleCommon("emperor", s.help, values);
  if (done !== undefined) return done;
  if (positionals.length !== 1) throw new UsageError(`emperor ${s.command}: name one vassal, got ${positionals.length}`);
  const unix = join(resolve(values["state-dir"] ?? defaultStateDir()), LOCAL_SOCKET);
  try {
    const reply = await adminRequest({ host: "", port: 0, unix }, s.command, { vassal: positionals[0]! });
    process.stdout.write(`${reply.said ?? ""}\n`);
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof AdminError)) throw e;
    process.stderr.write(`emperor ${s.command}: ${e.message}\n`);
    return adminExitCode(e.code);
  }
}
