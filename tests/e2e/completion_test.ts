// The completion scripts the programs print, run in real bash and zsh: a flag's fixed
// values (`--log-format <TAB>` → text json), also after `--flag=`, and a flag's value is not
// taken for a subcommand. zsh's completion builtins (compadd, compset) exist only inside its
// completion widget, so the zsh runs replace them with functions that print what is offered.
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const PROGRAMS = ["zog", "sprog", "zeus", "emperor"] as const;
type Program = (typeof PROGRAMS)[number];
const dir = tmpDir("zog-completion-");

async function script(program: Program, shell: "bash" | "zsh"): Promise<string> {
  const r = await run(bin(program), ["completion", shell]);
  expect(r.code).toBe(0);
  const file = join(dir, `${program}.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

const quote = (w: string) => `'${w.replace(/'/g, "'\\''")}'`;

/** What bash offers for the command line `words` with the cursor in its last word. */
async function bash(program: Program, words: string[]): Promise<string[]> {
  const file = await script(program, "bash");
  const code = `source ${quote(file)}
COMP_WORDS=(${words.map(quote).join(" ")}); COMP_CWORD=${words.length - 1}
_${program}_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = await run("bash", ["--norc", "-c", code]);
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter((l) => l !== "");
}

/** What zsh offers for `words` with the cursor at the end of the last one (PREFIX). */
async function zsh(program: Program, words: string[]): Promise<string[]> {
  const file = await script(program, "zsh");
  const code = `compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }
compset() { [[ $1 == -P ]] && IPREFIX=\${PREFIX%%=*}= && PREFIX=\${PREFIX#*=}; }
_files() { print -r -- "(files)"; }
compdef() { :; }
source ${quote(file)}
words=(${words.map(quote).join(" ")}); CURRENT=${words.length}; PREFIX=${quote(words.at(-1)!)}
_${program}_complete`;
  const r = await run("zsh", ["-f", "-c", code]);
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter((l) => l !== "");
}

const LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"];

describe.each(PROGRAMS)("%s completion of flag values", (program) => {
  test("bash: --log-format and --log-level offer their values, after a space or an =", async () => {
    expect(await bash(program, [program, "--log-format", ""])).toEqual(["text", "json"]);
    expect(await bash(program, [program, "--log-level", ""])).toEqual(LEVELS);
    expect(await bash(program, [program, "--log-format", "="])).toEqual(["text", "json"]);
    expect(await bash(program, [program, "--log-format", "=", "j"])).toEqual(["json"]);
    expect(await bash(program, [program, "--log-level", "d"])).toEqual(["debug"]);
  });

  test("zsh: --log-format and --log-level offer their values, after a space or an =", async () => {
    expect(await zsh(program, [program, "--log-format", ""])).toEqual(["text", "json"]);
    expect(await zsh(program, [program, "--log-level", ""])).toEqual(LEVELS);
    expect(await zsh(program, [program, "--log-format="])).toEqual(["text", "json"]);
  });
});

test("a flag's value is not taken for a subcommand, in bash and zsh", async () => {
  const certs = await bash("zog", ["zog", "certs", ""]);
  expect(certs).toContain("issue");
  expect(await bash("zog", ["zog", "--log-format", "json", "certs", ""])).toEqual(certs);
  expect(await bash("zog", ["zog", "--log-format", "=", "json", "certs", ""])).toEqual(certs);
  const z = await zsh("zeus", ["zeus", "--log-level", "debug", "certs", "-"]);
  expect(z).toContain("--force");
  expect(z).not.toContain("--listen");
});

test("sprog --ack and sprog listen --on-failure offer their values", async () => {
  expect(await bash("sprog", ["sprog", "--ack", ""])).toEqual(["local", "quorum"]);
  expect(await zsh("sprog", ["sprog", "listen", "--on-failure", ""])).toEqual(["skip", "stop"]);
});
