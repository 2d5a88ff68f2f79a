/**
 * Subcommands every program has, made from its command definitions:
 * `PROGRAM completion bash|zsh` and `PROGRAM man`.
 *
 * @module
 */
import { EXIT, UsageError } from "../errors.ts";
import { defineCommand, definedCommands, parseCommand } from "./command.ts";
import { bashCompletion, SHELLS, zshCompletion } from "./completion.ts";
import { manPage } from "./manpage.ts";
import { VERSION } from "./version.ts";

type Defs = { completion: ReturnType<typeof completionDef>; man: ReturnType<typeof manDef> };
const defs = new Map<string, Defs>();

/**
 * Registers `completion` and `man` for `program`; call once in its *_cli.ts after its own
 * commands, then let {@link runSharedCommand} try each invocation first.
 *
 * @example
 * ```ts
 * defineSharedCommands("zog");
 * ```
 */
export function defineSharedCommands(program: string): void {
  defs.set(program, { completion: completionDef(program), man: manDef(program) });
}

function completionDef(program: string) {
  return defineCommand({
    program,
    sub: "completion",
    summary: "print a shell completion script",
    help: `Usage:
  ${program} completion bash|zsh

Prints a completion script for ${program}'s subcommands and flags, e.g.
  ${program} completion bash > /usr/share/bash-completion/completions/${program}
  ${program} completion zsh > /usr/local/share/zsh/site-functions/_${program}
(install.sh installs both).`,
    flags: {},
    positionals: true,
  });
}

function manDef(program: string) {
  return defineCommand({
    program,
    sub: "man",
    summary: "print the man page (roff)",
    help: `Usage:
  ${program} man > /usr/local/share/man/man1/${program}.1

Prints ${program}'s man page: every command's --help, the common options and the exit codes.`,
    flags: {},
  });
}

/**
 * Runs `completion` or `man` when `args` starts with one; otherwise returns undefined.
 *
 * @throws {UsageError} on a shell that is not bash or zsh
 */
export function runSharedCommand(program: string, args: string[]): number | undefined {
  const d = defs.get(program);
  if (!d || (args[0] !== "completion" && args[0] !== "man")) return undefined;
  const commands = definedCommands(program);
  if (args[0] === "man") {
    const parsed = parseCommand(d.man, args.slice(1));
    if (typeof parsed === "number") return parsed;
    process.stdout.write(manPage(program, VERSION, commands));
    return EXIT.ok;
  }
  const parsed = parseCommand(d.completion, args.slice(1));
  if (typeof parsed === "number") return parsed;
  const [shell, ...extra] = parsed.positionals;
  if (shell === undefined || extra.length > 0 || !(SHELLS as readonly string[]).includes(shell))
    throw new UsageError(`completion takes one shell: ${SHELLS.join(" or ")}${shell ? `, not "${[shell, ...extra].join(" ")}"` : ""}`);
  process.stdout.write(shell === "bash" ? bashCompletion(program, commands) : zshCompletion(program, commands));
  return EXIT.ok;
}
