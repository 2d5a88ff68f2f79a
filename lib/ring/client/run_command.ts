/**
 * Running a command for one message (`sprog reply`, `sprog listen --exec`): the content on
 * its stdin, `ZOG_ID`, `ZOG_SEQ`, `ZOG_ORIGIN` in its environment; its exit code, and its
 * stdout captured up to a bound or passed through.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";

/** What a command run for a message gave. */
export interface CommandResult {
  /** The exit code; 128 + N when signal N ended it; 127 when it could not be started. */
  code: number;
  /** Its stdout (captured only), as UTF-8, at most `maxOutput` bytes. */
  output: string;
  /** Why it could not be started, when it could not. */
  error?: string;
}

/** How to run it. */
export interface RunOptions {
  /** The command and its arguments. */
  argv: string[];
  /** Written to its stdin, then stdin is closed. */
  input: string;
  /** Added to this process's environment. */
  env: Record<string, string>;
  /** Capture stdout (up to `maxOutput` bytes; the rest is read and dropped) or pass it through. */
  stdout: "capture" | "inherit";
  maxOutput?: number;
}

/**
 * Runs a command for one message and waits for it to end.
 *
 * @example
 * ```ts
 * const r = await runForMessage({ argv: ["wc", "-c"], input: "hello", env: { ZOG_ID: "a-1" }, stdout: "capture" });
 * r.output; // "5\n"
 * ```
 */
export function runForMessage(opts: RunOptions): Promise<CommandResult> {
  const max = opts.maxOutput ?? 64 * 1024;
  return new Promise((resolve) => {
    const child = spawn(opts.argv[0]!, opts.argv.slice(1), {
      stdio: ["pipe", opts.stdout === "capture" ? "pipe" : "inherit", "inherit"],
      env: { ...process.env, ...opts.env },
    });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout?.on("data", (d: Buffer) => {
      if (size < max) chunks.push(d.subarray(0, max - size));
      size += d.length;
    });
    // A command that does not read its stdin must not fail the run (EPIPE).
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(opts.input);
    child.on("error", (e) => resolve({ code: 127, output: "", error: `cannot run ${opts.argv[0]}: ${e.message}` }));
    child.on("close", (code, signal) => {
      const sig = signal ? (constants.signals as Record<string, number>)[signal] : undefined;
      resolve({ code: code ?? 128 + (sig ?? 0), output: Buffer.concat(chunks).toString("utf8") });
    });
  });
}
