/**
 * The last resort: an error that no part of a program caught (a rejection of a timer's
 * promise, a throw in an event callback) ends it with one line and a distinct exit code,
 * not with a minified stack and the code of an ordinary failure.
 *
 * @module
 */
import { EXIT, errCode } from "../errors.ts";

/**
 * The one line said about an error nothing caught: what, and where it was thrown (the
 * first frame of its stack that names a file), e.g.
 * `zog: unexpected error, exiting: EMFILE: too many open files, open '/proc/self/status' (at startup_pages.ts:56)`.
 *
 * @param name the program's name
 * @param e whatever reached the top
 *
 * @example
 * ```ts
 * unexpectedLine("zeus", new Error("boom")); // "zeus: unexpected error, exiting: boom (at ...)"
 * ```
 */
export function unexpectedLine(name: string, e: unknown): string {
  const message = e instanceof Error ? e.message || errCode(e) : String(e);
  const frame = e instanceof Error ? /\(?([^\s()]+\.[jt]s):(\d+)/.exec(e.stack ?? "") : null;
  const where = frame ? ` (at ${frame[1]!.split("/").pop()}:${frame[2]})` : "";
  return `${name}: unexpected error, exiting: ${message.replace(/\s*\n\s*/g, " ")}${where}`;
}

/**
 * Ends the process with {@link EXIT.unexpected} (70) and {@link unexpectedLine} on stderr
 * when an exception or a rejection reaches the top uncaught. A daemon guards its timers
 * itself; this only says clearly that one was missed.
 *
 * @param name the program's name, for the line
 *
 * @example
 * ```ts
 * exitOnUnexpected("zog");
 * ```
 */
export function exitOnUnexpected(name: string): void {
  const end = (e: unknown) => {
    process.stderr.write(`${unexpectedLine(name, e)}\n`);
    process.exit(EXIT.unexpected);
  };
  process.on("uncaughtException", end);
  process.on("unhandledRejection", end);
}
