/**
 * One executable, four programs: it runs the program named by the file it was started as
 * (`zog`, `sprog`, `zeus`, `emperor`: hard links or symlinks to it), or, under any other
 * name, the program named by its first argument (`zog-linux-x64 sprog -n 1`).
 *
 * @module
 */
import { basename } from "node:path";
import { EXIT } from "../errors.ts";
import { runMain, versionLine } from "../cli/mod.ts";
import { beforeLoad, loadProgram, PROGRAM_NAMES, type ProgramName } from "./programs.ts";

/** Which program to run and with which arguments, or why none. */
export type Pick = { program: ProgramName; args: string[] } | { error: string };

function programOf(path: string | undefined): ProgramName | undefined {
  if (!path) return undefined;
  const name = path
    .split(/[\\/]/)
    .pop()!
    .replace(/\.exe$/i, "");
  return (PROGRAM_NAMES as readonly string[]).includes(name) ? (name as ProgramName) : undefined;
}

/**
 * Picks the program: by the name started under (`argv0`, as typed: a symlink keeps its
 * own name), then by the executable's path (a hard link found through PATH), then by the
 * first argument.
 *
 * @example
 * ```ts
 * pickProgram("/usr/local/bin/zog", "/usr/local/bin/zog", ["--version"]); // { program: "zog", args: ["--version"] }
 * pickProgram("./zog-linux-x64", "/tmp/zog-linux-x64", ["sprog", "-n", "1"]); // { program: "sprog", args: ["-n", "1"] }
 * ```
 */
export function pickProgram(argv0: string | undefined, execPath: string | undefined, args: string[]): Pick {
  const named = programOf(argv0) ?? programOf(execPath);
  if (named) return { program: named, args };
  const first = (PROGRAM_NAMES as readonly string[]).includes(args[0] ?? "") ? (args[0] as ProgramName) : undefined;
  if (first) return { program: first, args: args.slice(1) };
  return { error: args[0] === undefined ? "name a program" : `"${args[0]}" is not a program of this executable` };
}

/** The help printed when the executable is started under another name without a program. */
export function multicallHelp(self: string): string {
  return `${self}: ${versionLine("zog")}, one executable holding ${PROGRAM_NAMES.join(", ")}.

Usage:
  ${self} PROGRAM [ARGS...]       e.g. ${self} zog --help
  ln ${self} /usr/local/bin/zog    then run it as zog (likewise sprog, zeus, emperor)
`;
}

/**
 * The executable's entry: runs the picked program through {@link runMain}; without one,
 * prints {@link multicallHelp} (exit 0 for --help/--version, else 2).
 */
export async function runMulticall(): Promise<never> {
  const args = process.argv.slice(2);
  const pick = pickProgram(process.argv0, process.execPath, args);
  if ("program" in pick) {
    await beforeLoad(pick.program, pick.args);
    return await runMain(pick.program, await loadProgram(pick.program), pick.args);
  }
  const self = basename(process.argv0 || "zog");
  const asked = ["--help", "-h", "--version", "-V"].includes(args[0] ?? "");
  if (asked) process.stdout.write(multicallHelp(self));
  else process.stderr.write(`${self}: ${pick.error} (one of ${PROGRAM_NAMES.join(", ")}), or run it as one of those names\n`);
  process.exit(asked ? EXIT.ok : EXIT.usage);
}
