/**
 * The emperor's side of one exec stream: runs the command in a vassal's working
 * directory, environment and user (and cgroup, when it has one), with pipes or a
 * pseudo-terminal, streams its output within the caller's window, feeds its input, and
 * reports how it ended. Whatever it leaves (its process group, its session) is killed.
 *
 * @module
 */
import type { FileSink, Subprocess, Terminal } from "bun";
import { type AdminFrame, INITIAL_WINDOW, MAX_DATA, type StreamFrameBody, type StreamOpen } from "../admin/mod.ts";
import type { ExecContext } from "./exec_context.ts";
import { inCgroup, plainArgv, SETPRIV } from "../proc/mod.ts";
import { foregroundGroup, killSession, signal } from "./process_group.ts";
import { TtyOutput } from "./tty_output.ts";
import { signalNumber } from "../vassal/mod.ts";
import { SendWindow, WindowLimit } from "./window.ts";
import { errCode } from "../errors.ts";

type ExecOpen = Extract<StreamOpen, { kind: "exec" }>;
type Out = StreamFrameBody;

/** Signals a caller may send (a terminal's, and the usual job-control and stop ones). */
export const SENDABLE_SIGNALS = new Set([
  "SIGINT",
  "SIGQUIT",
  "SIGTSTP",
  "SIGCONT",
  "SIGTERM",
  "SIGHUP",
  "SIGKILL",
  "SIGUSR1",
  "SIGUSR2",
  "SIGWINCH",
]);

/** A running exec stream. */
export interface ExecRun {
  /** A frame from the caller: DATA (stdin), EOF, WINDOW, RESIZE, SIGNAL, CANCEL. */
  frame(f: AdminFrame): void;
  /** Kills the command and everything it started (the caller went away). */
  kill(): void;
  /** Resolves with the END frame once it ended and its output was sent. */
  readonly ended: Promise<Extract<Out, { type: "END" }>>;
}

/**
 * The argv that runs `argv` as the vassal would run: moved into its cgroup first (as root)
 * when it has one, then under setpriv's parent-death signal (and its user) when setpriv is there.
 *
 * @example
 * ```ts
 * execArgv(["id", "-u"], { runAs: { uid: 33, gid: 33, initGroups: true } } as ExecContext);
 * ```
 */
export function execArgv(argv: string[], ctx: Pick<ExecContext, "runAs" | "cgroupProcs">): string[] {
  // Into the cgroup first, while still root: setpriv may drop to a user who cannot write cgroup.procs.
  const plain = plainArgv({ command: argv[0]!, args: argv.slice(1) } as Parameters<typeof plainArgv>[0], ctx.runAs, SETPRIV);
  return inCgroup(plain, ctx.cgroupProcs);
}

/** A command that could not be started: its END, with the shell's exit codes (126, 127). */
function spawnFailed(open: ExecOpen, ctx: ExecContext, e: unknown): ExecRun {
  const code = errCode(e);
  const reason = `cannot run ${JSON.stringify(open.argv[0])} in ${ctx.cwd}: ${code}`;
  return {
    frame: () => {},
    kill: () => {},
    ended: Promise.resolve({ type: "END", code: code === "EACCES" ? 126 : 127, error: "spawn", reason }),
  };
}

/** Starts the command: on a pseudo-terminal whose output goes to `tty`, or with pipes. */
function spawnCommand(open: ExecOpen, ctx: ExecContext, tty: TtyOutput | undefined): Child {
  const argv = execArgv(open.argv, ctx);
  const env = { ...process.env, ...ctx.env, ...(tty ? { TERM: open.term || "xterm-256color" } : {}) };
  if (!tty)
    return Bun.spawn(argv, { cwd: ctx.cwd, env, detached: true, stdin: open.stdin ? "pipe" : "ignore", stdout: "pipe", stderr: "pipe" });
  const terminal = {
    cols: open.cols || 80,
    rows: open.rows || 24,
    data: (_t: Terminal, d: Uint8Array) => tty.push(d),
    exit: () => tty.exited(),
  };
  return Bun.spawn(argv, { cwd: ctx.cwd, env, terminal }) as unknown as Child;
}

type Child = Subprocess<"pipe" | "ignore", "pipe", "pipe">;
type End = Extract<Out, { type: "END" }>;

/**
 * A command's standard input, fed from the caller's DATA: each chunk's credit goes back
 * to the caller once the command took it, and EOF closes it after the last write.
 */
class StdinFeed {
  #flushed: Promise<unknown> = Promise.resolve();

  constructor(
    readonly sink: FileSink,
    readonly taken: (bytes: number) => void,
  ) {}

  write(data: Uint8Array): void {
    try {
      this.sink.write(data);
      const flushed = Promise.resolve(this.sink.flush());
      // A failed flush is the command's stdin closed: no window is given back for what it
      // will not read, and end() must not wait on it.
      this.#flushed = flushed.catch(() => {});
      void flushed.then(() => this.taken(data.byteLength)).catch(() => {});
    } catch {
      // The command closed its stdin: what it will not read is dropped, as a pipe would.
    }
  }

  /**
   * After the last write has flushed: an end() while a flush is pending left the
   * command's stdin open (seen: `cat` waiting for ever with all its input read).
   */
  end(): void {
    void this.#flushed.then(() => {
      try {
        // Closed already (the command exited): it has its EOF.
        void Promise.resolve(this.sink.end()).catch(() => {});
      } catch {
        // Closed already: the command has its EOF.
      }
    });
  }
}

/**
 * One exec stream's command, from start to END: its output within the caller's window,
 * its input within ours, the caller's signals, and the killing of what it leaves.
 */
class ExecRunner implements ExecRun {
  readonly ended: Promise<End>;
  readonly #input = new WindowLimit(INITIAL_WINDOW);
  readonly #terminal: Terminal | undefined;
  readonly #stdin: StdinFeed | undefined;

  constructor(
    readonly child: Child,
    /** The caller's window for the output; closed once the stream ended or was killed. */
    readonly out: SendWindow,
    readonly tty: TtyOutput | undefined,
    readonly send: (f: Out) => void,
  ) {
    this.#terminal = tty ? child.terminal : undefined;
    if (!tty && child.stdin) this.#stdin = new StdinFeed(child.stdin as FileSink, (bytes) => this.#granted(bytes));
    tty?.started(child.pid);
    send({ type: "OPENED", node: "", pid: child.pid });
    const output = tty ? tty.done : Promise.all([this.#pipe(child.stdout, 1), this.#pipe(child.stderr, 2)]).then(() => {});
    this.ended = this.#end(output);
  }

  frame(f: AdminFrame): void {
    switch (f.type) {
      case "DATA":
        return this.#data(f.data);
      case "WINDOW":
        this.out.grant(f.bytes);
        return this.tty?.pump();
      case "EOF":
        if (this.#terminal) this.#terminal.write("\x04");
        else this.#stdin?.end();
        return;
      case "RESIZE":
        return this.#terminal?.resize(f.cols, f.rows);
      case "SIGNAL":
        if (!SENDABLE_SIGNALS.has(f.signal)) return;
        // As a terminal does: to the foreground job; without one, to the command's group.
        return signal(-(this.#terminal ? foregroundGroup(this.child.pid) : this.child.pid), f.signal as NodeJS.Signals);
      case "CANCEL":
        return this.kill();
    }
  }

  kill(): void {
    this.#closeOutput();
    killSession(this.child.pid);
  }

  #data(data: Uint8Array): void {
    this.#input.spend(data.byteLength, "the caller");
    if (!this.#terminal) return this.#stdin?.write(data);
    this.#terminal.write(data);
    this.#granted(data.byteLength);
  }

  /** The command took `bytes` of input: the caller may send that many more. */
  #granted(bytes: number): void {
    this.#input.grant(bytes);
    this.send({ type: "WINDOW", bytes });
  }

  /** No more output: the window's waiters wake to stop, the terminal's queue is dropped. */
  #closeOutput(): void {
    this.out.close();
    this.tty?.close();
  }

  async #pipe(stream: ReadableStream<Uint8Array>, fd: 1 | 2): Promise<void> {
    const reader = stream.getReader();
    for (;;) {
      await this.out.open();
      // Stopped: the rest of the output is not wanted, so a failed cancel loses nothing.
      if (this.out.closed) return void reader.cancel().catch(() => {});
      const { value, done } = await reader.read();
      if (done) return;
      for (let off = 0; off < value.byteLength;) {
        await this.out.open();
        if (this.out.closed) return void reader.cancel().catch(() => {}); // as above
        const n = this.out.take(Math.min(MAX_DATA, value.byteLength - off));
        this.send({ type: "DATA", fd, data: value.subarray(off, off + n) });
        off += n;
      }
    }
  }

  async #end(output: Promise<void>): Promise<End> {
    const code = await this.child.exited;
    // What it left behind and still holds the pipes (or terminal) open gets a second, then
    // is killed; what was written reaches the caller at the caller's pace.
    const grace = setTimeout(() => killSession(this.child.pid), 1000);
    await output;
    clearTimeout(grace);
    killSession(this.child.pid);
    this.#closeOutput();
    this.#terminal?.close();
    const sig = typeof this.child.signalCode === "string" ? this.child.signalCode : undefined;
    return sig ? { type: "END", code: 128 + signalNumber(sig), signal: sig } : { type: "END", code: code ?? 0 };
  }
}

/**
 * Starts an exec stream. `send` gets the stream's frames (OPENED, DATA, WINDOW); the END
 * frame comes through {@link ExecRun.ended}.
 *
 * @example
 * ```ts
 * declare const open: Extract<StreamOpen, { kind: "exec" }>, link: { send(f: AdminFrame): void }, id: number;
 * const run = startExec(open, supervisor.execContext("app.toml")!, (f) => link.send({ ...f, id }));
 * run.ended.then((end) => link.send({ ...end, id }));
 * ```
 */
export function startExec(open: ExecOpen, ctx: ExecContext, send: (f: Out) => void): ExecRun {
  const out = new SendWindow(INITIAL_WINDOW);
  const tty = open.tty ? new TtyOutput(out, send) : undefined;
  let child: Child;
  try {
    child = spawnCommand(open, ctx, tty);
  } catch (e) {
    return spawnFailed(open, ctx, e);
  }
  return new ExecRunner(child, out, tty, send);
}
