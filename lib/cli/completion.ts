/**
 * Shell completion scripts (bash, zsh) made from a program's command definitions, so they
 * know every subcommand and flag that --help shows, and the values of flags such as
 * `--log-format` (after `--log-format ` or `--log-format=`).
 *
 * @module
 */
import { type CommandDef } from "./command.ts";
import { flagValues, valueFlags, wordsBySub } from "./completion_words.ts";

/** The shells `PROGRAM completion SHELL` writes a script for. */
export const SHELLS = ["bash", "zsh"] as const;

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
  const values = [...flagValues(defs)].map(([flag, vs]) => `    ${flag}) COMPREPLY=($(compgen -W "${vs.join(" ")}" -- "$val")); return ;;`);
  return `# bash completion for ${program} (made by \`${program} completion bash\`)
${fn(program)}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} sub="" words i
  # A flag's value: bash splits --flag=value at "=", so the flag is one or two words back.
  local flag=\${COMP_WORDS[COMP_CWORD-1]} val=$cur
  if [[ $val == "=" ]]; then val=""; elif [[ $flag == "=" ]]; then flag=\${COMP_WORDS[COMP_CWORD-2]}; fi
  case $flag in
${values.join("\n")}
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      -* | =) ;;
      *) case \${COMP_WORDS[i-1]} in ${["=", ...valueFlags(defs)].join(" | ")}) ;; *) sub=\${COMP_WORDS[i]}; break ;; esac ;;
    esac
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
  const values = [...flagValues(defs)].map(([flag, vs]) => `    ${flag}) opts=(${vs.join(" ")}) ;;`);
  return `#compdef ${program}
# zsh completion for ${program} (made by \`${program} completion zsh\`)
${fn(program)}() {
  local -a opts
  local sub="" i flag=\${words[CURRENT-1]}
  if [[ $PREFIX == --*=* ]]; then flag=\${PREFIX%%=*}; fi
  case $flag in
${values.join("\n")}
  esac
  if (( \${#opts} )); then
    if [[ $PREFIX == --*=* ]]; then compset -P '*='; fi
    compadd -- $opts
    return
  fi
  for ((i = 2; i < CURRENT; i++)); do
    [[ \${words[i]} == -* ]] && continue
    case \${words[i-1]} in ${valueFlags(defs).join(" | ")}) continue ;; esac
    sub=\${words[i]}
    break
  done
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
