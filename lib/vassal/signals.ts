/**
 * Signal names in configs: "SIGTERM", "TERM" or "sigterm" all name the same signal.
 *
 * @module
 */
import { constants } from "node:os";

/**
 * The canonical name ("SIGHUP") of a signal written in a config, or undefined when there
 * is no such signal.
 *
 * @example
 * ```ts
 * signalName("hup"); // "SIGHUP"
 * signalName("SIGFOO"); // undefined
 * ```
 */
export function signalName(value: string): NodeJS.Signals | undefined {
  const upper = value.toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  return name in constants.signals ? (name as NodeJS.Signals) : undefined;
}
