/**
 * A pseudo-terminal's output on its way to the caller: queued until the caller's window
 * has room, and the command paused (SIGSTOP) while the caller is far behind, since a PTY
 * cannot be left unread.
 *
 * @module
 */
import { MAX_DATA, type StreamFrameBody } from "../admin/mod.ts";
import { foregroundGroup, signal } from "./process_group.ts";
import { SendWindow } from "./window.ts";

/** Terminal output held back for a slow caller beyond which the command is paused (SIGSTOP). */
export const TTY_PAUSE_AT = 1024 * 1024;

/**
 * The terminal output of one exec stream. Sent as DATA (fd 1) as the window allows:
 * call {@link TtyOutput.pump} when the caller grants more.
 *
 * @example
 * ```ts
 * const tty = new TtyOutput(new SendWindow(INITIAL_WINDOW), (f) => console.log(f));
 * Bun.spawn(["bash"], { terminal: { data: (_t, d) => tty.push(d), exit: () => tty.exited() } });
 * await tty.done; // the terminal closed and all it gave was sent
 * ```
 */
export class TtyOutput {
  /** Resolves once the terminal closed and every byte it gave was sent (or the stream was killed). */
  readonly done: Promise<void>;
  #queue: Uint8Array[] = [];
  #queued = 0;
  /** The process group stopped until the caller catches up. */
  #paused: number | undefined;
  #leader: number | undefined;
  #drained: (() => void)[] = [];
  #eof!: () => void;

  /**
   * @param out the caller's window for this stream's output
   * @param send where DATA frames go
   */
  constructor(
    readonly out: SendWindow,
    readonly send: (f: StreamFrameBody) => void,
  ) {
    this.done = new Promise<void>((res) => (this.#eof = res)).then(() => this.#whenDrained());
  }

  /** The command started as session leader `pid`: its foreground job is what a slow caller pauses. */
  started(pid: number): void {
    this.#leader = pid;
  }

  /** The terminal gave `data`. */
  push(data: Uint8Array): void {
    this.#queue.push(data);
    this.#queued += data.byteLength;
    if (this.#paused === undefined && this.#queued > TTY_PAUSE_AT && this.#leader !== undefined) {
      this.#paused = foregroundGroup(this.#leader);
      signal(-this.#paused, "SIGSTOP");
    }
    this.pump();
  }

  /** The terminal closed. */
  exited(): void {
    this.#eof();
  }

  /** Sends what the window allows; the command goes on once the caller has caught up. */
  pump(): void {
    while (this.#queue.length > 0 && !this.out.closed) {
      const head = this.#queue[0]!;
      const n = this.out.take(Math.min(MAX_DATA, head.byteLength));
      if (n === 0) return;
      this.send({ type: "DATA", fd: 1, data: head.subarray(0, n) });
      this.#queued -= n;
      if (n === head.byteLength) this.#queue.shift();
      else this.#queue[0] = head.subarray(n);
      if (this.#paused !== undefined && this.#queued < TTY_PAUSE_AT / 4) {
        signal(-this.#paused, "SIGCONT");
        this.#paused = undefined;
      }
    }
    for (const res of this.#drained.splice(0)) res();
  }

  /** The stream was killed: nothing more is sent, and {@link done} resolves. */
  close(): void {
    for (const res of this.#drained.splice(0)) res();
    this.#eof();
  }

  #whenDrained(): Promise<void> {
    return this.#queue.length === 0 || this.out.closed ? Promise.resolve() : new Promise((res) => this.#drained.push(res));
  }
}
