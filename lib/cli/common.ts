/**
 * Flags every binary shares: --help, --version, --log-level.
 *
 * @module
 */
import { parseLogLevel, setupLogging } from "../log/logging.ts";
import { UsageError } from "../errors.ts";
import { VERSION } from "./version.ts";

/** parseArgs options for the shared flags. */
export const COMMON_FLAGS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  "log-level": { type: "string", default: "info" },
} as const;

/** The exit-code table printed at the end of every `--help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  runtime failure (cannot bind, peer refused, I/O error, not acknowledged)
  2  usage error (unknown flag, bad value, bad config file)`;

/**
 * Handles --help and --version (returning the exit code to end with) or sets up logging
 * at --log-level and returns undefined so the command goes on.
 *
 * @throws {UsageError} on a bad --log-level
 * @example
 * ```ts
 * const done = handleCommon("zog", HELP, values); if (done !== undefined) return done;
 * ```
 */
export function handleCommon(
  name: string,
  help: string,
  values: { help?: boolean; version?: boolean; "log-level"?: string },
): number | undefined {
  if (values.help) {
    process.stdout.write(`${help.trimEnd()}\n\n${EXIT_CODES_HELP}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${name} ${VERSION}\n`);
    return 0;
  }
  try {
    setupLogging(name, parseLogLevel(values["log-level"] ?? "info"));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return undefined;
}
