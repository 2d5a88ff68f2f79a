/**
 * The programs one executable holds (the four daemons and clients, and cf-messages, the
 * CFEngine promise module), each loaded only when it is the one started:
 * `zog --version` must not pay for parsing zeus and the emperor.
 *
 * @module
 */

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
