/**
 * The shell every binary runs in: exit codes, one-line errors, signals to stop.
 *
 * @module
 */
import { EXIT, UsageError } from "../errors.ts";

/**
 * Runs `main` and exits with its code. A {@link UsageError} prints `NAME: message` and
 * exits 2; any other error prints `NAME: message` and exits 1.
 *
 * @example
 * ```ts
 * runMain("zog", (args) => zogMain(args));
 * ```
 */
export async function runMain(
  name: string,
  main: (args: string[]) => Promise<number>,
  args: string[] = process.argv.slice(2),
): Promise<never> {
  let code: number;
  try {
    code = await main(args);
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`${name}: ${err.message}\n`);
    code = err instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
  process.exit(code);
}
