/**
 * The shell every binary runs in: exit codes, one-line errors, signals to stop.
 *
 * @module
 */
import { ConfigError, EXIT, problemsOf, UsageError } from "../errors.ts";
import { exitOnUnexpected } from "./last_resort.ts";

/**
 * Runs `main` and exits with its code. A {@link UsageError} prints `NAME: message` and
 * exits 2 (a config's several problems one line each); any other error prints `NAME: message` and exits 1.
 * An error nothing caught (a timer's, an event's) ends it with one line and exit 70 ({@link exitOnUnexpected}).
 *
 * @example
 * ```ts
 * runMain("zog", async (args) => (args.length === 0 ? EXIT.ok : EXIT.usage));
 * ```
 */
export async function runMain(
  name: string,
  main: (args: string[]) => Promise<number>,
  args: string[] = process.argv.slice(2),
): Promise<never> {
  let code: number;
  exitOnUnexpected(name);
  try {
    code = await main(args);
  } catch (e) {
    const err = e as Error;
    const lines = err instanceof ConfigError ? problemsOf(err).map((x) => x.message) : [err.message];
    for (const line of lines) process.stderr.write(`${name}: ${line}\n`);
    code = err instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
  process.exit(code);
}
