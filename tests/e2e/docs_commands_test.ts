/**
 * Every command line the docs show (README.md and docs/*.md, in their shell blocks) uses
 * only flags the real program takes: each `zog`, `sprog`, `zeus`, `emperor` or
 * `cf-messages` command is looked up in the `--help` of that program (and subcommand) in
 * dist/, so a renamed or removed flag cannot linger in the docs.
 *
 * @module
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { bin, run } from "../helpers/procs.ts";

const ROOT = resolve(import.meta.dir, "../..");
const PROGRAMS = new Set(["zog", "sprog", "zeus", "emperor"]);
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((n) => n.endsWith(".md"))
    .map((n) => `docs/${n}`),
];

/** A program's command line as a doc shows it, with where. */
interface DocCommand {
  where: string;
  words: string[];
}

/** The program commands of a doc's `sh` blocks (continuations joined, heredocs skipped). */
function docCommands(doc: string): DocCommand[] {
  const text = readFileSync(join(ROOT, doc), "utf8");
  const found: DocCommand[] = [];
  for (const m of text.matchAll(/^```sh[^\n]*\n([\s\S]*?)^```$/gm)) {
    const first = text.slice(0, m.index).split("\n").length + 1;
    const body = m[1]!.replace(/<<'(\w+)'\n[\s\S]*?^\1$/gm, "").replace(/\\\n/g, " ");
    for (const [i, line] of body.split("\n").entries()) {
      for (const words of commandsOf(line)) {
        if (PROGRAMS.has(words[0]!)) found.push({ where: `${doc}:${first + i}`, words });
      }
    }
  }
  return found;
}

/**
 * The commands of one shell line as word lists: quoted strings stay one word (a flag
 * inside one belongs to another program), `|`, `||`, `&&`, `;` and `$(` separate commands,
 * and a `#` comment ends the line.
 */
function commandsOf(line: string): string[][] {
  const commands: string[][] = [[]];
  for (const [token] of line.matchAll(/'[^']*'|"(?:[^"\\]|\\.)*"|\|\||&&|[|;]|\$\(|#.*$|[^\s'"|;]+/g)) {
    if (token.startsWith("#")) break;
    if (["|", "||", "&&", ";", "$("].includes(token)) commands.push([]);
    else commands.at(-1)!.push(token);
  }
  return commands.filter((c) => c.length > 0);
}

const helps = new Map<string, string>();

/** The `--help` of the longest leading subcommand of `words` the program knows. */
async function helpFor(words: string[]): Promise<string> {
  const subs = words.slice(1).filter((w, i, all) => /^[a-z][a-z-]*$/.test(w) && all.slice(0, i).every((p) => /^[a-z][a-z-]*$/.test(p)));
  for (let n = Math.min(subs.length, 2); n >= 0; n--) {
    const key = [words[0]!, ...subs.slice(0, n)].join(" ");
    if (!helps.has(key)) {
      const r = await run(bin(words[0] as "zog"), [...subs.slice(0, n), "--help"]);
      helps.set(key, r.code === 0 ? r.stdout : "");
    }
    if (helps.get(key)) return helps.get(key)!;
  }
  throw new Error(`${words[0]} --help printed nothing`);
}

/** The flags a word passes: `--name[=v]`, `-x`, or grouped short ones (`-ti`: `-t`, `-i`). */
function flagsOf(word: string): string[] {
  const long = /^(--[A-Za-z][\w-]*)/.exec(word)?.[1];
  if (long) return [long];
  const short = /^-([A-Za-z]+)$/.exec(word)?.[1];
  return short ? [...short].map((c) => `-${c}`) : [];
}

test("every flag in the docs' command lines is one the program takes", async () => {
  const unknown: string[] = [];
  const commands = DOCS.flatMap(docCommands);
  for (const { where, words } of commands) {
    const help = await helpFor(words);
    const end = words.indexOf("--");
    for (const flag of (end < 0 ? words : words.slice(0, end)).flatMap(flagsOf)) {
      if (!new RegExp(`(^|[\\s,\\[|(])${flag}(?![\\w-])`, "m").test(help)) unknown.push(`${where}: ${words[0]} ${flag}`);
    }
  }
  expect(commands.length).toBeGreaterThan(50);
  expect(unknown).toEqual([]);
}, 60_000);
