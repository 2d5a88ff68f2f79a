/**
 * Operational logging: levelled records on stderr through @logtape/logtape.
 * Domain logs (zog's access.log/error.log, vassal logs) are written elsewhere.
 *
 * @module
 */
import { escapeWire, oneLine } from "./escape.ts";
import { configureSync, getLogger as logtapeLogger, getTextFormatter, type Logger, type LogLevel, type LogRecord } from "@logtape/logtape";

/** Levels accepted by `--log-level`, most verbose first. */
export const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warning", "error", "fatal"];

// Strings bare (operators read `node MV on 127.0.0.11`, not quoted JSON strings) but
// escaped, errors as their message: a value that came off the wire stays on its line.
const format = getTextFormatter({
  timestamp: "date-time-tz",
  value: (v, inspect) => escapeWire(typeof v === "string" ? v : v instanceof Error ? v.message : inspect(v)),
});

function stderrSink(record: LogRecord): void {
  process.stderr.write(oneLine(format(record)));
}

/**
 * Parses a `--log-level` value ("warn" is accepted for "warning").
 *
 * @throws {TypeError} naming the value and the accepted levels
 * @example
 * ```ts
 * parseLogLevel("debug"); // "debug"
 * ```
 */
export function parseLogLevel(value: string): LogLevel {
  const v = value === "warn" ? "warning" : value;
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new TypeError(`--log-level "${value}" is not one of ${LOG_LEVELS.join(", ")}`);
}

/**
 * Sends records at `level` and above, of every category under `root`, to stderr.
 * Call once at start-up; calling again replaces the configuration.
 *
 * @example
 * ```ts
 * setupLogging("zog", "info");
 * ```
 */
export function setupLogging(root: string, level: LogLevel): void {
  configureSync({
    reset: true,
    sinks: { stderr: stderrSink },
    loggers: [
      { category: [root], lowestLevel: level, sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}

/**
 * A logger for one component, e.g. `getLogger("zog", "link")`.
 *
 * @example
 * ```ts
 * getLogger("zog", "link").info("link to {peer} up", { peer: "PA" });
 * ```
 */
export function getLogger(...category: string[]): Logger {
  return logtapeLogger(category);
}
