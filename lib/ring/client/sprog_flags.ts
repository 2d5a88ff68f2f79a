/**
 * `sprog`'s sending flags and whether a send runs without the FTL JIT, in a module light
 * enough to load before the rest of sprog: a stream that starts itself again without FTL
 * decides it here, before its modules are evaluated (a compiled sprog's first start then
 * costs about a third of what it did: docs/benchmarks.md, issue 26, round 7).
 *
 * @module
 */
import { COMMON_FLAGS, parseFlags } from "../../cli/mod.ts";

/** --ca, --cert, --key. */
export const TLS_FLAGS = {
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
} as const;

/** Which nodes a command speaks to (ring.toml, or one or more --server) and how (TLS). */
export const RING_FLAGS = {
  ...TLS_FLAGS,
  config: { type: "string" },
  server: { type: "string", multiple: true },
} as const;

/** The flags of `sprog` sending (no subcommand). */
export const SEND_FLAGS = {
  ...RING_FLAGS,
  interval: { type: "string", short: "i" },
  roundRobin: { type: "boolean", short: "r" },
  "round-robin": { type: "boolean" },
  specificHost: { type: "string", short: "s" },
  "specific-host": { type: "string" },
  testing: { type: "boolean", short: "T" },
  count: { type: "string", short: "n" },
  message: { type: "string", short: "m" },
  window: { type: "string" },
  timeout: { type: "string" },
  ack: { type: "string" },
  quiet: { type: "boolean", short: "q" },
} as const;

/** Seconds between messages without `-i`. */
export const DEFAULT_INTERVAL_S = 10;

/** Messages from which a stream without pause is worth starting again without FTL (a restart costs `zog` 14-28 ms). */
export const FTL_OFF_FROM = 1000;

/**
 * Whether a send streams enough messages to run without the FTL JIT: no pause between
 * messages, and no count or one of at least {@link FTL_OFF_FROM}. Measured (docs/benchmarks.md,
 * issue 26): 20 000 messages at window 64 cost sprog 13.4-13.8 µs of CPU each without FTL,
 * 17.2-18.3 with it; a few messages would only pay the restart.
 *
 * @param interval the pause between messages, seconds (`-i`)
 * @param count how many to send (`-n`), undefined for no limit
 * @example
 * ```ts
 * streamsWithoutFtl(0, 20000); // true
 * streamsWithoutFtl(10, undefined); // false: one message every 10 s
 * ```
 */
export function streamsWithoutFtl(interval: number, count: number | undefined): boolean {
  return interval === 0 && (count === undefined || count >= FTL_OFF_FROM);
}

/**
 * Whether `sprog ARGS` is a send that runs without FTL ({@link streamsWithoutFtl}), read
 * from the arguments before sprog's modules are loaded. Arguments that do not parse, or
 * name a subcommand, answer false: sprog's own parse then says what is wrong.
 *
 * @param args sprog's arguments (after the program name)
 * @example
 * ```ts
 * sendWithoutFtl(["--config", "ring.toml", "-i", "0", "-n", "20000"]); // true
 * sendWithoutFtl(["listen", "--since", "all"]); // false
 * ```
 */
export function sendWithoutFtl(args: string[]): boolean {
  if (args[0] !== undefined && !args[0].startsWith("-")) return false;
  let values;
  try {
    values = parseFlags(args, { ...SEND_FLAGS, ...COMMON_FLAGS }).values;
  } catch {
    // Not reported here: sprog's own parse, a moment later, says what is wrong.
    return false;
  }
  const interval = values.interval !== undefined ? Number(values.interval) : DEFAULT_INTERVAL_S;
  const count = values.count !== undefined ? Number(values.count) : undefined;
  return streamsWithoutFtl(interval, count);
}
