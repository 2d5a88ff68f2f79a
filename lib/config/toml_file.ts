/**
 * Reading a TOML file with errors that name the file and the line.
 *
 * @module
 */
import { parse, TomlError } from "smol-toml";
import { ConfigError } from "../errors.ts";

/**
 * Parses TOML text; a syntax error becomes a {@link ConfigError} with its line.
 *
 * @throws {ConfigError}
 * @example
 * ```ts
 * parseTomlText("a = 1", "x.toml"); // { a: 1 }
 * ```
 */
export function parseTomlText(text: string, file: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) throw new ConfigError(file, e.message.split("\n")[0]!, e.line, { cause: e });
    throw new ConfigError(file, (e as Error).message, undefined, { cause: e });
  }
}

/**
 * The 1-based line of the `index`-th occurrence (0-based) of a line matching `re`, to
 * point errors about array-of-table entries such as `[[node]]` at their line.
 *
 * @example
 * ```ts
 * lineOf("a\n[[node]]\n", /^\s*\[\[node\]\]/, 0); // 2
 * ```
 */
export function lineOf(text: string, re: RegExp, index: number): number | undefined {
  let seen = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (re.test(lines[i]!) && seen++ === index) return i + 1;
  }
  return undefined;
}
