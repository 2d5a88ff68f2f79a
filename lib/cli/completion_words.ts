/**
 * What a program's completion offers, read from its command definitions: the words after
 * the program name or a subcommand, the flags that take a value, and the fixed values of
 * flags such as `--log-format` (pure; completion.ts turns these into shell scripts).
 *
 * @module
 */
import { type CommandDef } from "./command.ts";

/** The spellings of a flag: `--long` and, when it has one, `-s`. */
function spellings(long: string, short: string | undefined): string[] {
  return [`--${long}`, ...(short ? [`-${short}`] : [])];
}

/**
 * Words offered after the program name (subcommand words and flags), per first subcommand
 * word ("" = none).
 *
 * @example
 * ```ts
 * import { definedCommands } from "./command.ts";
 * wordsBySub(definedCommands("zog")).get("certs"); // ["init", "issue", "--force", ...]
 * ```
 */
export function wordsBySub(defs: readonly CommandDef[]): Map<string, string[]> {
  const by = new Map<string, Set<string>>();
  const add = (key: string, ws: string[]) => {
    const set = by.get(key) ?? new Set<string>();
    for (const w of ws) set.add(w);
    by.set(key, set);
  };
  for (const d of defs) {
    const flags = Object.entries(d.flags).flatMap(([long, o]) => spellings(long, o.short));
    const [first, ...rest] = d.sub ? d.sub.split(" ") : [];
    if (first === undefined) add("", flags);
    else {
      add("", [first]);
      add(first, [...rest.slice(0, 1), ...flags]);
    }
  }
  return new Map([...by].map(([k, v]) => [k, [...v]]));
}

/**
 * The spellings of the flags that take a value in every command that has them, so the word
 * after one is that value and not a subcommand.
 *
 * @example
 * ```ts
 * import { definedCommands } from "./command.ts";
 * valueFlags(definedCommands("zog")).includes("--log-format"); // true
 * ```
 */
export function valueFlags(defs: readonly CommandDef[]): string[] {
  const takes = new Map<string, boolean>();
  for (const d of defs) {
    for (const [long, o] of Object.entries(d.flags)) {
      for (const s of spellings(long, o.short)) takes.set(s, (takes.get(s) ?? true) && o.type === "string");
    }
  }
  return [...takes].filter(([, t]) => t).map(([s]) => s);
}

/**
 * The fixed values per flag spelling (`--log-format` → text, json), from every command's
 * `values`; a flag with values in several commands offers them all.
 *
 * @example
 * ```ts
 * import { definedCommands } from "./command.ts";
 * flagValues(definedCommands("zog")).get("--log-format"); // ["text", "json"]
 * ```
 */
export function flagValues(defs: readonly CommandDef[]): Map<string, string[]> {
  const by = new Map<string, Set<string>>();
  for (const d of defs) {
    for (const [long, values] of Object.entries(d.values ?? {})) {
      for (const s of spellings(long, d.flags[long]?.short)) {
        const set = by.get(s) ?? new Set<string>();
        for (const v of values) set.add(v);
        by.set(s, set);
      }
    }
  }
  return new Map([...by].map(([k, v]) => [k, [...v]]));
}
