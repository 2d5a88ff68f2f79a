/**
 * Flags every command shares: --help, --version, --log-level, --log-format.
 *
 * @module
 */
import { LOG_FORMATS, LOG_LEVELS, parseLogFormat, parseLogLevel, setupLogging } from "../log/mod.ts";
import { EXIT, UsageError } from "../errors.ts";
import { versionLine } from "./version.ts";

/** parseArgs options for the shared flags. */
export const COMMON_FLAGS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  "log-level": { type: "string", default: "info" },
  "log-format": { type: "string", default: "text" },
} as const;

/** The values the shared flags accept, offered by shell completion. */
export const COMMON_VALUES: Readonly<Record<string, readonly string[]>> = {
  "log-level": LOG_LEVELS,
  "log-format": LOG_FORMATS,
};

/** The help lines of {@link COMMON_FLAGS}, printed at the end of every `--help`. */
export const COMMON_HELP = `Common options:
  -h, --help           this help
  -V, --version        print the version
  --log-level LEVEL    trace, debug, info (default), warning, error, fatal
  --log-format FORMAT  text (default) or json (one JSON object a line), on stderr`;

/** The exit-code table printed at the end of every `--help` (docs/programs.md has the same). */
export const EXIT_CODES_HELP = `Exit codes (the same in zog, sprog, zeus and emperor):
  0  success
  1  runtime failure: cannot bind, a daemon or peer does not answer, I/O error,
     a message not acknowledged
  2  usage error: unknown flag, bad value, bad config file (FILE:LINE: reason), a file
     named by a flag or config that cannot be read (certificate, key, CA), or an error
     retrying cannot cure (sprog: the node wants a client certificate)
  70 an error nothing expected reached the top (a bug): one line says what, then it ends`;

/**
 * Handles --help and --version (returning the exit code to end with) or sets up logging
 * at --log-level in --log-format and returns undefined so the command goes on.
 *
 * @throws {UsageError} on a bad --log-level or --log-format
 * @example
 * ```ts
 * const done = handleCommon("zog", "Usage: zog [options]", { help: true }); // 0, after printing the help
 * ```
 */
export function handleCommon(
  name: string,
  help: string,
  values: { help?: boolean; version?: boolean; "log-level"?: string; "log-format"?: string },
): number | undefined {
  if (values.help) {
    process.stdout.write(`${help.trimEnd()}\n\n${COMMON_HELP}\n\n${EXIT_CODES_HELP}\n`);
    return EXIT.ok;
  }
  if (values.version) {
    process.stdout.write(`${versionLine(name)}\n`);
    return EXIT.ok;
  }
  try {
    setupLogging(name, parseLogLevel(values["log-level"] ?? "info"), parseLogFormat(values["log-format"] ?? "text"));
  } catch (e) {
    throw new UsageError((e as Error).message, { cause: e });
  }
  return undefined;
}
