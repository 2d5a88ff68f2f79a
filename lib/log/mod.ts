/**
 * Operational logging (levelled records on stderr through @logtape/logtape), escaping what
 * came off the wire before it is logged, and rate-limited log lines.
 *
 * @example
 * ```ts
 * import { getLogger } from "./mod.ts";
 * getLogger("zog").info("listening on {addr}", { addr: "127.0.0.1:55552" });
 * ```
 *
 * @module
 */
export { clipInput, QUOTE_BYTES, quoteInput } from "./bound.ts";
export { escapeWire, oneLine } from "./escape.ts";
export { getLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, parseLogFormat, parseLogLevel, setupLogging } from "./logging.ts";
export { leftOut, LogLimiter, type LogLimiterOptions, refusalLogger } from "./rate_limit.ts";
