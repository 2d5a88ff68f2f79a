/**
 * The emperor's side of one logs stream: the last lines of a vassal's log
 * (STATE_DIR/logs/NAME.log), then, when following, what is appended to it (a rotated or
 * truncated log is followed from its new start), sent within the caller's window.
 *
 * @module
 */
import { type FileHandle, open, stat } from "node:fs/promises";
import { type AdminFrame, INITIAL_WINDOW, MAX_DATA, type StreamFrameBody } from "../admin/mod.ts";
import { SendWindow } from "./window.ts";
import { errCode } from "../errors.ts";

type Out = StreamFrameBody;

/** How often a followed log is checked for growth. */
const POLL_MS = 100;

/**
 * The offset where the last `lines` lines of `tail` (the end of a file) start, or -1 when
 * `tail` holds fewer than that many line ends (read further back). A final line without
 * its newline counts as a line.
 *
 * @example
 * ```ts
 * lastLinesOffset(new TextEncoder().encode("a\nb\nc\n"), 2); // 2 ("b\nc\n")
 * ```
 */
export function lastLinesOffset(tail: Uint8Array, lines: number): number {
  if (lines <= 0) return tail.byteLength;
  let seen = 0;
  let i = tail.byteLength - 1;
  if (i >= 0 && tail[i] === 10) i--; // the newline ending the last line
  for (; i >= 0; i--) {
    if (tail[i] === 10 && ++seen === lines) return i + 1;
  }
  return -1;
}

async function startOffset(fh: FileHandle, size: number, lines: number): Promise<number> {
  let want = 64 * 1024;
  for (;;) {
    const from = Math.max(0, size - want);
    const buf = new Uint8Array(size - from);
    await fh.read(buf, 0, buf.byteLength, from);
    const at = lastLinesOffset(buf, lines);
    if (at >= 0) return from + at;
    if (from === 0) return 0;
    want *= 4;
  }
}

/** A running logs stream. */
export interface LogsRun {
  frame(f: AdminFrame): void;
  kill(): void;
  readonly ended: Promise<Extract<Out, { type: "END" }>>;
}

/**
 * Starts a logs stream of `logFile`.
 *
 * @example
 * ```ts
 * const run = startLogs({ lines: 10, follow: true }, "/var/lib/emperor/logs/app.toml.log", (f) => console.log(f.type));
 * ```
 */
export function startLogs(opts: { lines: number; follow: boolean }, logFile: string, send: (f: Out) => void): LogsRun {
  const win = new SendWindow(INITIAL_WINDOW);
  let stopped = false;
  let wake: () => void = () => {};
  const sleep = () => new Promise<void>((res) => setTimeout((wake = res), POLL_MS));

  const ended = (async (): Promise<Extract<Out, { type: "END" }>> => {
    let fh: FileHandle | undefined;
    let ino = -1;
    let offset = -1;
    send({ type: "OPENED", node: "", pid: 0 });
    try {
      while (!stopped) {
        // Missing for a moment (being rotated): the open handle is read on until it is back.
        const st = await stat(logFile).catch(() => undefined);
        if (st && (st.ino !== ino || st.size < offset)) {
          // First look, a rotated file or a truncated one: (re)open it.
          await fh?.close();
          fh = await open(logFile, "r");
          offset = ino === -1 ? await startOffset(fh, st.size, opts.lines) : 0;
          ino = st.ino;
        }
        while (fh && st && offset < st.size && !stopped) {
          await win.open();
          if (stopped) break;
          const n = win.take(Math.min(MAX_DATA, st.size - offset));
          const buf = new Uint8Array(n);
          const { bytesRead } = await fh.read(buf, 0, n, offset);
          if (bytesRead === 0) break;
          send({ type: "DATA", fd: 1, data: buf.subarray(0, bytesRead) });
          offset += bytesRead;
          if (bytesRead < n) win.grant(n - bytesRead);
        }
        if (!opts.follow) break;
        await sleep();
      }
    } catch (e) {
      return {
        type: "END",
        code: 1,
        error: "io",
        reason: `cannot read ${logFile}: ${errCode(e)}`,
      };
    } finally {
      await fh?.close();
    }
    return { type: "END", code: 0 };
  })();

  return {
    frame: (f) => {
      if (f.type === "WINDOW") win.grant(f.bytes);
      else if (f.type === "CANCEL") stop();
    },
    kill: () => stop(),
    ended,
  };

  function stop(): void {
    stopped = true;
    win.close();
    wake();
  }
}
