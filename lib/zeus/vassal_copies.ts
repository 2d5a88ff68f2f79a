/**
 * How many copies of a vassal zeus runs: `nodes = K` in the `[vassal]` table of a `.toml`,
 * `zeus-nodes = K` in the `[uwsgi]` section of an `.ini`; default 1. Read with the parser
 * the emperors use, so a config they would reject is reported by zeus (file:line: reason)
 * instead of being shipped. Pure.
 *
 * @module
 */
import { type FleetSettings, parseVassalConfig } from "../vassal/mod.ts";
import { ConfigError } from "../errors.ts";

/** The copies a config asks for and its fleet settings (only when it has some), or why it cannot be placed (`NAME[:LINE]: reason`). */
export type CopiesResult = { copies: number; settings?: FleetSettings } | { error: string };

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
    const c = parseVassalConfig(name, text);
    const settings: FleetSettings = {};
    for (const k of ["check", "constraints", "spread", "update"] as const) if (c[k] !== undefined) Object.assign(settings, { [k]: c[k] });
    return { copies: c.nodes, ...(Object.keys(settings).length > 0 ? { settings } : {}) };
  } catch (e) {
    if (e instanceof ConfigError) return { error: e.message };
    throw e;
  }
}
