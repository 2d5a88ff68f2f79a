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

/**
 * The number of signal `name` on this system (0 for an unknown name): exit codes of
 * commands a signal ended are 128 + it.
 *
 * @example
 * ```ts
 * signalNumber("SIGTERM"); // 15
 * ```
 */
export function signalNumber(name: string): number {
  return (constants.signals as Record<string, number>)[name] ?? 0;
}
