/**
 * How many copies of a vassal zeus runs: `nodes = K` in the `[vassal]` table of a `.toml`,
 * `zeus-nodes = K` in the `[uwsgi]` section of an `.ini`; default 1. Read with the parser
 * the emperors use, so a config they would reject is reported by zeus (file:line: reason)
 * instead of being shipped. Pure.
 *
 * @module
 */
import { parseVassalConfig } from "../vassal/mod.ts";
import { ConfigError } from "../errors.ts";

/** The copies a config asks for, or why it cannot be placed (`NAME[:LINE]: reason`). */
export type CopiesResult = { copies: number } | { error: string };

/**
 * Reads the number of copies wanted from a vassal config named `name`.
 *
 * @example
 * ```ts
 * wantedCopies("web.toml", '[vassal]\ncommand = "/bin/true"\nnodes = 3\n'); // { copies: 3 }
 * wantedCopies("app.ini", "[uwsgi]\nzeus-nodes = 2\n"); // { copies: 2 }
 * ```
 */
export function wantedCopies(name: string, text: string): CopiesResult {
  try {
    return { copies: parseVassalConfig(name, text).nodes };
  } catch (e) {
    if (e instanceof ConfigError) return { error: e.message };
    throw e;
  }
}
