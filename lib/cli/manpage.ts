/**
 * A man page (roff, section 1) made from a program's command definitions: the same text
 * as each command's --help.
 *
 * @module
 */
import { commandName, type CommandDef } from "./command.ts";
import { COMMON_HELP, EXIT_CODES_HELP } from "./common.ts";

/** Escapes text for a roff no-fill block: backslashes, and lines starting with . or '. */
function roff(text: string): string {
  return text
    .replace(/\\/g, "\\e")
    .split("\n")
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join("\n");
}

/**
 * The man page of `program`, e.g. for /usr/local/share/man/man1/zog.1.
 *
 * @example
 * ```ts
 * process.stdout.write(manPage("zog", "0.1.0", definedCommands("zog")));
 * ```
 */
export function manPage(program: string, version: string, defs: readonly CommandDef[]): string {
  const main = defs.find((d) => d.sub === undefined);
  const subs = defs.filter((d) => d.sub !== undefined);
  const block = (title: string, text: string) => `.SH ${title}\n.nf\n${roff(text.trimEnd())}\n.fi\n`;
  return [
    `.TH ${program.toUpperCase()} 1 "" "${program} ${version}" "User Commands"\n`,
    `.SH NAME\n${program} \\- ${roff(main?.summary ?? program)}\n`,
    main ? block("DESCRIPTION", main.help) : "",
    subs.length
      ? `.SH COMMANDS\n${subs.map((d) => `.SS "${commandName(d)}"\n${roff(d.summary)}\n.nf\n${roff(d.help.trimEnd())}\n.fi\n`).join("")}`
      : "",
    block("COMMON OPTIONS", COMMON_HELP.replace(/^Common options:\n/, "")),
    block("EXIT STATUS", EXIT_CODES_HELP.replace(/^Exit codes[^\n]*\n/, "")),
    `.SH SEE ALSO\n${["zog", "sprog", "zeus", "emperor"]
      .filter((p) => p !== program)
      .map((p) => `.BR ${p} (1)`)
      .join(",\n")}\n`,
  ].join("");
}
