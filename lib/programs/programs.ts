/**
 * The programs one executable holds (the four daemons and clients, and cf-messages, the
 * CFEngine promise module), each loaded only when it is the one started:
 * `zog --version` must not pay for parsing zeus and the emperor.
 *
 * @module
 */
import { runWithoutFtl } from "../proc/mod.ts";

/** A program's entry: runs with its arguments and returns the exit code. */
export type ProgramMain = (args: string[]) => Promise<number>;

/** The names the executable answers to, in the order `--help` lists them. */
export const PROGRAM_NAMES = ["zog", "sprog", "zeus", "emperor", "cf-messages"] as const;

/** One of {@link PROGRAM_NAMES}. */
export type ProgramName = (typeof PROGRAM_NAMES)[number];

/**
 * Loads a program's `main` (a dynamic import, so only that program's modules are evaluated).
 *
 * @example
 * ```ts
 * const main = await loadProgram("zog"); process.exitCode = await main(["--version"]);
 * ```
 */
export async function loadProgram(name: ProgramName): Promise<ProgramMain> {
  switch (name) {
    case "zog":
      return (await import("../ring/zog_cli.ts")).main;
    case "sprog":
      return (await import("../ring/client/sprog_cli.ts")).main;
    case "zeus":
      return (await import("../zeus/zeus_cli.ts")).main;
    case "emperor":
      return (await import("../emperor/emperor_cli.ts")).main;
    case "cf-messages":
      return (await import("../cfengine/cf_messages_cli.ts")).main;
  }
}

/**
 * What a program does before its modules are loaded: a `sprog` send that streams without
 * pause starts itself again without the FTL JIT here (lib/proc/jit_tier.ts), so its first
 * start does not evaluate sprog's modules only to throw them away (measured: 8.4 ms of CPU
 * for `sprog --version`, 2.0 for an empty compiled program; docs/benchmarks.md, issue 26).
 * Returns only when the program goes on in this process.
 *
 * @example
 * ```ts
 * await beforeLoad("sprog", ["-i", "0", "-n", "20000", "--server", "127.0.0.11"]); // a compiled sprog restarts here
 * ```
 */
export async function beforeLoad(name: ProgramName, args: string[]): Promise<void> {
  if (name === "sprog" && (await import("../ring/client/sprog_flags.ts")).sendWithoutFtl(args)) runWithoutFtl();
}
