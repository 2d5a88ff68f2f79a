/**
 * Command definitions: one object per command (`zeus`, `zeus status`, ...) holding its
 * flags and help text. `--help`, parsing, shell completion and the man pages are all made
 * from these, so a flag added here shows up everywhere. Add a subcommand by calling
 * {@link defineCommand} in the program's *_cli.ts and dispatching to it.
 *
 * @module
 */
import type { ParseArgsConfig } from "node:util";
import { COMMON_FLAGS, COMMON_VALUES, handleCommon } from "./common.ts";
import { UsageError } from "../errors.ts";
import { parseFlags } from "./flags.ts";
import { nearest } from "./nearest.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** One command of a program: the program itself (`sub` undefined) or a subcommand. */
export interface CommandDef<O extends Options = Options> {
  /** The program: "zog", "sprog", "zeus" or "emperor". */
  program: string;
  /** The subcommand word(s), e.g. "status" or "certs issue"; absent for the program itself. */
  sub?: string;
  /** One line: what the command does (completion descriptions, man page NAME/SUBCOMMANDS). */
  summary: string;
  /** The --help text: usage, options, notes, examples (the common flags and exit codes are appended). */
  help: string;
  /** The command's own parseArgs options; the common ones (--help, --log-level, ...) are added. */
  flags: O;
  /** Whether the command takes positional arguments. */
  positionals?: boolean;
  /** The fixed values of flags that take one of a few words (long name → values), for completion. */
  values?: Readonly<Record<string, readonly string[]>>;
}

const registry: CommandDef[] = [];

/**
 * Registers a command and returns it with the common flags (and their values) added.
 *
 * @example
 * ```ts
 * const STATUS = defineCommand({ program: "zeus", sub: "status", summary: "print a zeus's status", help: "...", flags: { json: { type: "boolean" } } });
 * ```
 */
export function defineCommand<O extends Options>(def: CommandDef<O>): CommandDef<O & typeof COMMON_FLAGS> {
  const full = { ...def, flags: { ...def.flags, ...COMMON_FLAGS }, values: { ...def.values, ...COMMON_VALUES } };
  registry.push(full);
  return full;
}

/** Every command registered so far by the loaded programs, in definition order. */
export function definedCommands(program?: string): readonly CommandDef[] {
  return registry.filter((c) => program === undefined || c.program === program);
}

/** The name a command answers to, e.g. "zeus status". */
export function commandName(def: CommandDef): string {
  return def.sub ? `${def.program} ${def.sub}` : def.program;
}

/**
 * Parses `args` for `def`: --help prints its help and --version the version (the returned
 * number is the exit code to end with); otherwise logging is set up and the values come back.
 *
 * @throws {UsageError} on an unknown flag, a bad value, or a bad --log-level/--log-format
 * @example
 * ```ts
 * const STATUS = defineCommand({ program: "zog", sub: "status", summary: "a node's status", help: "Usage: zog status", flags: { json: { type: "boolean" } } });
 * const parsed = parseCommand(STATUS, args); // a number: the exit code, after --help or --version
 * ```
 */
export function parseCommand<O extends Options>(def: CommandDef<O & typeof COMMON_FLAGS>, args: string[]) {
  if (!def.sub && !def.positionals && args[0] !== undefined && !args[0].startsWith("-")) throw unknownCommand(def.program, args[0]);
  const parsed = parseFlags(args, def.flags, def.positionals ?? false);
  const done = handleCommon(def.program, def.help, parsed.values as Parameters<typeof handleCommon>[2]);
  return done ?? parsed;
}

/** The error for a word that names no subcommand of `program`, with the nearest one when it looks like a typo. */
function unknownCommand(program: string, word: string): UsageError {
  const subs = [...new Set(definedCommands(program).flatMap((c) => (c.sub ? [c.sub.split(" ")[0]!] : [])))];
  const near = nearest(word, subs);
  const shown = JSON.stringify(word.length > 60 ? `${word.slice(0, 60)}…` : word);
  return new UsageError(
    near
      ? `unknown command ${shown}: did you mean "${program} ${near}"?`
      : `unknown command ${shown} (see ${program} --help for the commands)`,
  );
}
