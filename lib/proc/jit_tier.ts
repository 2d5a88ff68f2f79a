/**
 * Running a daemon without JavaScriptCore's top JIT tier (FTL). JavaScriptCore reads its
 * options from `BUN_JSC_*` environment variables once, when the process starts; Bun has no
 * flag for them and a running process cannot change them. So a daemon that wants FTL off
 * starts itself again, as the same process (`execve`: same pid, same open stdio, same
 * arguments), with `BUN_JSC_useFTLJIT=0` added, before it opens anything.
 *
 * Why (docs/benchmarks.md, issue 26): a busy zog node kept a JIT thread compiling with FTL
 * 60 000 messages into its life and again after each idle trim threw its code away; with
 * FTL off a five-node ring used less CPU per message at the same rate, and its tail at
 * window 1 was shorter.
 *
 * @module
 */

/** The environment variable that turns FTL off, and the value that does. */
export const FTL_VARIABLE = "BUN_JSC_useFTLJIT";

/** How to start this process again without FTL. */
export interface Reexec {
  file: string;
  args: string[];
  env: Record<string, string | undefined>;
}

/**
 * How to start the running program again with FTL off, or undefined when there is no need
 * or no way: the variable is set already (by the first start, or by whoever wants FTL on:
 * `BUN_JSC_useFTLJIT=1`), or the program does not run from a compiled executable (run
 * from source, `process.execPath` is bun itself, and bun started under the program's
 * name would not run it). Pure.
 *
 * @param proc what the process was started with: `argv0` (the name it was started under,
 *   which picks the program), `argv` (a compiled executable's is `[bun, /$bunfs/..., ...args]`),
 *   `execPath`, `env`
 * @example
 * ```ts
 * ftlOffReexec({ argv0: "zog", argv: ["bun", "/$bunfs/root/zog", "--config", "r.toml"], execPath: "/usr/bin/zog", env: {} });
 * // { file: "/usr/bin/zog", args: ["zog", "--config", "r.toml"], env: { BUN_JSC_useFTLJIT: "0" } }
 * ```
 */
export function ftlOffReexec(proc: {
  argv0: string;
  argv: readonly string[];
  execPath: string;
  env: Record<string, string | undefined>;
}): Reexec | undefined {
  if (proc.env[FTL_VARIABLE] !== undefined) return undefined;
  if (!(proc.argv[1] ?? "").startsWith("/$bunfs/")) return undefined;
  return { file: proc.execPath, args: [proc.argv0, ...proc.argv.slice(2)], env: { ...proc.env, [FTL_VARIABLE]: "0" } };
}

/**
 * Starts this process again with FTL off when {@link ftlOffReexec} says to; returns only
 * when it does not (or when `execve` failed: the process then goes on as it is, with FTL,
 * and says why on stderr). Call it before opening files or sockets: `execve` keeps only
 * stdin, stdout and stderr.
 *
 * @example
 * ```ts
 * runWithoutFtl(); // a compiled zog started without BUN_JSC_useFTLJIT does not come back from here
 * ```
 */
export function runWithoutFtl(): void {
  const again = ftlOffReexec({ argv0: process.argv0, argv: process.argv, execPath: process.execPath, env: process.env });
  if (!again || !process.execve) return;
  try {
    process.execve(again.file, again.args, again.env);
  } catch (e) {
    process.stderr.write(`cannot restart ${again.file} with ${FTL_VARIABLE}=0 (${(e as Error).message}): running with the FTL JIT\n`);
  }
}
