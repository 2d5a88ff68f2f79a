/**
 * The command-line toolkit every program uses: commands with their flags and help, the
 * common flags, completion and man pages, the version, and the entry that maps errors to
 * exit codes.
 *
 * @example
 * ```ts
 * import { defineCommand, parseFlags } from "./mod.ts";
 * const { values } = parseFlags(["--lines", "5"], { lines: { type: "string" } }, false);
 * ```
 *
 * @module
 */
export { type CommandDef, commandName, defineCommand, definedCommands, parseCommand } from "./command.ts";
export { COMMON_FLAGS, COMMON_HELP, EXIT_CODES_HELP, handleCommon } from "./common.ts";
export { parseFlags, parseNumber } from "./flags.ts";
export { runMain } from "./main.ts";
export { defineSharedCommands, runSharedCommand } from "./shared_commands.ts";
export { BUILD_DATE, COMMIT, VERSION, versionLine } from "./version.ts";
