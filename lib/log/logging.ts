/**
 * Operational logging: levelled records on stderr through @logtape/logtape.
 * Domain logs (zog's access.log/error.log, vassal logs) are written elsewhere.
 *
 * @module
 */
import { escapeWire, oneLine } from "./escape.ts";
import {
  configureSync,
  getJsonLinesFormatter,
  getLogger as logtapeLogger,
  getTextFormatter,
  type Logger,
  type LogLevel,
  type LogRecord,
  type TextFormatter,
} from "@logtape/logtape";

/** Levels accepted by `--log-level`, most verbose first. */
export const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warning", "error", "fatal"];

/** `--log-format`: text lines for people, JSON lines for log collectors. */
export type LogFormat = "text" | "json";

/** The values `--log-format` accepts, in the order help and completion show them. */
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

// Text: strings bare (operators read `node MV on 127.0.0.11`, not quoted JSON strings) but
// escaped, errors as their message: a value that came off the wire stays on its line.
// JSON lines escape by construction. Categories are ASCII (`zog.link`) in both formats.
const FORMATTERS: Record<LogFormat, TextFormatter> = {
  text: getTextFormatter({
    timestamp: "date-time-tz",
    category: ".",
    value: (v, inspect) => escapeWire(typeof v === "string" ? v : v instanceof Error ? v.message : inspect(v)),
  }),
  json: getJsonLinesFormatter({ categorySeparator: ".", properties: "flatten" }),
};

/**
 * Parses a `--log-format` value.
 *
 * @throws {TypeError} naming the value and the accepted formats
 * @example
 * ```ts
 * parseLogFormat("json"); // "json"
 * ```
 */
export function parseLogFormat(value: string): LogFormat {
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new TypeError(`--log-format "${value}" is not one of ${LOG_FORMATS.join(", ")}`);
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
 * Sends records at `level` and above, of every category under `root`, to stderr in
 * `format`. Call once at start-up; calling again replaces the configuration.
 *
 * @example
 * ```ts
 * setupLogging("zog", "info", "json");
 * ```
 */
export function setupLogging(root: string, level: LogLevel, format: LogFormat = "text"): void {
  const formatter = FORMATTERS[format];
  configureSync({
    reset: true,
    sinks: {
      stderr: (record: LogRecord) => void process.stderr.write(format === "text" ? oneLine(formatter(record)) : formatter(record)),
    },
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
