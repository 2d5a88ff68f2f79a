/**
 * Shell completion scripts (bash, zsh) made from a program's command definitions, so they
 * know every subcommand and flag that --help shows.
 *
 * @module
 */
import { type CommandDef } from "./command.ts";

/** The shells `PROGRAM completion SHELL` writes a script for. */
export const SHELLS = ["bash", "zsh"] as const;

/** Words offered after the program name (subcommand words and flags), per first subcommand word ("" = none). */
function wordsBySub(defs: readonly CommandDef[]): Map<string, string[]> {
  const by = new Map<string, Set<string>>();
  const add = (key: string, ws: string[]) => {
    const set = by.get(key) ?? new Set<string>();
    for (const w of ws) set.add(w);
    by.set(key, set);
  };
  for (const d of defs) {
    const flags = Object.entries(d.flags).flatMap(([long, o]) => [`--${long}`, ...(o.short ? [`-${o.short}`] : [])]);
    const [first, ...rest] = d.sub ? d.sub.split(" ") : [];
    if (first === undefined) add("", flags);
    else {
      add("", [first]);
      add(first, [...rest.slice(0, 1), ...flags]);
    }
  }
  return new Map([...by].map(([k, v]) => [k, [...v]]));
}

/** A shell-safe function name for `program`. */
const fn = (program: string) => `_${program.replace(/\W/g, "_")}_complete`;

/**
 * A bash completion script for `program` (source it, or install it as
 * /usr/share/bash-completion/completions/PROGRAM).
 *
 * @example
 * ```ts
 * process.stdout.write(bashCompletion("zog", definedCommands("zog")));
 * ```
 */
export function bashCompletion(program: string, defs: readonly CommandDef[]): string {
  const cases = [...wordsBySub(defs)].filter(([sub]) => sub !== "").map(([sub, words]) => `    ${sub}) words="${words.join(" ")}" ;;`);
  return `# bash completion for ${program} (made by \`${program} completion bash\`)
${fn(program)}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} sub="" words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in -*) ;; *) sub=\${COMP_WORDS[i]}; break ;; esac
  done
  case $sub in
${cases.join("\n")}
    *) words="${wordsBySub(defs).get("")!.join(" ")}" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn(program)} ${program}
`;
}

/**
 * A zsh completion script for `program` (install it as `_PROGRAM` in a $fpath folder).
 *
 * @example
 * ```ts
 * process.stdout.write(zshCompletion("zog", definedCommands("zog")));
 * ```
 */
export function zshCompletion(program: string, defs: readonly CommandDef[]): string {
  const cases = [...wordsBySub(defs)].filter(([sub]) => sub !== "").map(([sub, words]) => `    ${sub}) opts=(${words.join(" ")}) ;;`);
  return `#compdef ${program}
# zsh completion for ${program} (made by \`${program} completion zsh\`)
${fn(program)}() {
  local -a opts
  local sub="" w
  for w in \${words[2,CURRENT-1]}; do [[ $w == -* ]] || { sub=$w; break; }; done
  case $sub in
${cases.join("\n")}
    *) opts=(${wordsBySub(defs).get("")!.join(" ")}) ;;
  esac
  if [[ $PREFIX == -* || -z $sub ]]; then compadd -- $opts; fi
  _files
}
compdef ${fn(program)} ${program}
`;
}
