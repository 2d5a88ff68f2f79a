/**
 * `exec` and `logs`: running a command inside a vassal and tailing its log, from the
 * client's command line through zeus's relay to the emperor's endpoint and runner.
 *
 * @example
 * ```ts
 * import { runExecCommand } from "./mod.ts";
 * process.exitCode = await runExecCommand("zeus", "exec", ["web.toml", "--", "uptime"]);
 * ```
 *
 * @module
 */
export { type ExecChannel, ExecEndpoint, type ExecEndpointOptions, type ExecHost } from "./endpoint.ts";
export { defineExecCommands, LOCAL_SOCKET, runExecCommand } from "./exec_cli.ts";
export { type ExecContext } from "./exec_context.ts";
export { commandLine, type Locate, type Located, type RelayIO, StreamRelay } from "./relay.ts";
export { defaultStateDir } from "./state_dir.ts";
