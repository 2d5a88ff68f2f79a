/**
 * The caller's terminal during `zeus exec -t`: raw mode, restored on every way out
 * (the command's end, a lost connection, a signal, an exception, process exit).
 *
 * @module
 */
import type { ReadStream } from "node:tty";

/**
 * Puts stdin (a TTY) in raw mode until the returned function is called; calling it more
 * than once is harmless, and process exit calls it too.
 *
 * @example
 * ```ts
 * const restore = rawMode();
 * try { await Bun.sleep(1000); } finally { restore(); }
 * ```
 */
export function rawMode(stdin: NodeJS.ReadStream = process.stdin): () => void {
  const tty = stdin as ReadStream;
  if (!tty.isTTY || typeof tty.setRawMode !== "function") return () => {};
  tty.setRawMode(true);
  let done = false;
  const restore = (): void => {
    if (done) return;
    done = true;
    try {
      tty.setRawMode(false);
    } catch {
      // the terminal is gone
    }
    process.off("exit", restore);
  };
  process.on("exit", restore);
  return restore;
}

/** The caller's window size (24x80 when stdout is not a terminal). */
export function windowSize(): { rows: number; cols: number } {
  const out = process.stdout;
  return { rows: out.isTTY && out.rows ? out.rows : 24, cols: out.isTTY && out.columns ? out.columns : 80 };
}
