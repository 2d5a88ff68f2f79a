/**
 * Flag parsing on node:util parseArgs, turning its errors into one-line usage errors.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Strictly parses `args` against `options`.
 *
 * @throws {UsageError} on an unknown flag, a missing value or an unexpected argument
 * @example
 * ```ts
 * const { values } = parseFlags(["-n", "3"], { count: { type: "string", short: "n" } });
 * ```
 */
export function parseFlags<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (e) {
    const msg = (e as Error).message;
    // "--flag -1" or "-f -1": parseArgs calls the value ambiguous; say what it is and how
    // to pass it, naming the long flag for a short one.
    const dash = /^Option '(-[\w-]+)' argument is ambiguous[\s\S]*?use '(--[\w-]+)=-XYZ'/.exec(msg);
    if (dash) {
      const [, given, long] = dash;
      const name = given === long ? long : `${given}/${long}`;
      throw new UsageError(`${name} got a value starting with "-" (a missing value?); write ${long}=VALUE to mean it`);
    }
    throw new UsageError(msg.split("\n")[0]!.replace(/\. To specify a positional.*$/, ""));
  }
}

/**
 * Parses a non-negative number (fractions allowed) given to `flag`.
 *
 * @throws {UsageError} quoting the flag and the value
 * @example
 * ```ts
 * parseNumber("--interval", "0.5"); // 0.5
 * ```
 */
export function parseNumber(flag: string, value: string, opts: { integer?: boolean; min?: number } = {}): number {
  const n = Number(value);
  const min = opts.min ?? 0;
  if (value.trim() === "" || !Number.isFinite(n) || n < min || (opts.integer && !Number.isInteger(n))) {
    const kind = opts.integer ? "an integer" : "a number";
    throw new UsageError(`${flag} "${value}" is not ${kind} ≥ ${min}`);
  }
  return n;
}
