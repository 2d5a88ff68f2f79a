/**
 * The emperor's side of one exec stream: runs the command in a vassal's working
 * directory, environment and user (and cgroup, when it has one), with pipes or a
 * pseudo-terminal, streams its output within the caller's window, feeds its input, and
 * reports how it ended. Whatever it leaves (its process group, its session) is killed.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { Subprocess, Terminal } from "bun";
import { type AdminFrame, INITIAL_WINDOW, MAX_DATA, type StreamFrameBody, type StreamOpen } from "../admin/frames.ts";
import type { ExecContext } from "./exec_context.ts";
import { inCgroup, plainArgv, SETPRIV } from "../proc/launch_argv.ts";
import { sessionMembers } from "../proc/proc_stat.ts";
import { signalNumber } from "../vassal/signals.ts";
import { SendWindow, WindowLimit } from "./window.ts";

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

/** Terminal output held back for a slow caller beyond which the command is paused (SIGSTOP). */
const TTY_PAUSE_AT = 1024 * 1024;

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

/** The terminal's foreground process group of session leader `pid` (field 8 of /proc/PID/stat). */
function foregroundGroup(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const tpgid = Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[5]);
    return tpgid > 0 ? tpgid : pid;
  } catch {
    return pid;
  }
}

function kill(target: number, sig: NodeJS.Signals | number): void {
  try {
    process.kill(target, sig);
  } catch {
    // gone already
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
  const input = new WindowLimit(INITIAL_WINDOW);
  const env = { ...process.env, ...ctx.env, ...(open.tty ? { TERM: open.term || "xterm-256color" } : {}) };
  let proc: Subprocess<"pipe" | "ignore", "pipe", "pipe"> | undefined;
  let terminal: Terminal | undefined;
  let killed = false;
  // Terminal output waiting for credit, and whether the command is paused for it.
  const ttyQueue: Uint8Array[] = [];
  let ttyQueued = 0;
  let paused = 0;
  let ttyFlushing = false;
  let ttyEof: () => void = () => {};
  const ttyDone = new Promise<void>((res) => (ttyEof = res));

  let drainedWaiters: (() => void)[] = [];
  const flushTty = async (): Promise<void> => {
    if (ttyFlushing) return;
    ttyFlushing = true;
    while (ttyQueue.length > 0 && !killed) {
      await out.open();
      if (killed) break;
      const head = ttyQueue[0]!;
      const n = out.take(Math.min(MAX_DATA, head.byteLength));
      send({ type: "DATA", fd: 1, data: head.subarray(0, n) });
      ttyQueued -= n;
      if (n === head.byteLength) ttyQueue.shift();
      else ttyQueue[0] = head.subarray(n);
      if (paused && ttyQueued < TTY_PAUSE_AT / 4) {
        kill(-paused, "SIGCONT");
        paused = 0;
      }
    }
    ttyFlushing = false;
    if (ttyQueue.length === 0 || killed) for (const res of drainedWaiters.splice(0)) res();
  };
  /** Resolves once every byte the terminal gave has been sent (or the stream was killed). */
  const ttyDrained = (): Promise<void> =>
    ttyQueue.length === 0 && !ttyFlushing ? Promise.resolve() : new Promise((res) => drainedWaiters.push(res));

  try {
    const argv = execArgv(open.argv, ctx);
    if (open.tty) {
      proc = Bun.spawn(argv, {
        cwd: ctx.cwd,
        env,
        terminal: {
          cols: open.cols || 80,
          rows: open.rows || 24,
          data: (_t, data) => {
            ttyQueue.push(data);
            ttyQueued += data.byteLength;
            // The PTY cannot be left unread: a caller that falls far behind pauses the command.
            if (!paused && ttyQueued > TTY_PAUSE_AT && proc) {
              paused = foregroundGroup(proc.pid);
              kill(-paused, "SIGSTOP");
            }
            void flushTty();
          },
          exit: () => ttyEof(),
        },
      }) as unknown as Subprocess<"pipe", "pipe", "pipe">;
      terminal = proc.terminal;
    } else {
      proc = Bun.spawn(argv, { cwd: ctx.cwd, env, detached: true, stdin: open.stdin ? "pipe" : "ignore", stdout: "pipe", stderr: "pipe" });
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const code = err.code === "EACCES" ? 126 : 127;
    return {
      frame: () => {},
      kill: () => {},
      ended: Promise.resolve({
        type: "END",
        code,
        error: "spawn",
        reason: `cannot run ${JSON.stringify(open.argv[0])} in ${ctx.cwd}: ${err.code ?? err.message}`,
      }),
    };
  }
  const child = proc;
  send({ type: "OPENED", node: "", pid: child.pid });

  const pump = async (stream: ReadableStream<Uint8Array>, fd: 1 | 2): Promise<void> => {
    const reader = stream.getReader();
    for (;;) {
      await out.open();
      if (killed) return void reader.cancel().catch(() => {});
      const { value, done } = await reader.read();
      if (done) return;
      for (let off = 0; off < value.byteLength;) {
        await out.open();
        if (killed) return void reader.cancel().catch(() => {});
        const n = out.take(Math.min(MAX_DATA, value.byteLength - off));
        send({ type: "DATA", fd, data: value.subarray(off, off + n) });
        off += n;
      }
    }
  };
  const outputDone = terminal ? ttyDone.then(ttyDrained) : Promise.all([pump(child.stdout, 1), pump(child.stderr, 2)]).then(() => {});

  const killAll = (): void => {
    kill(-child.pid, "SIGKILL");
    for (const m of sessionMembers(child.pid)) kill(m.pid, "SIGKILL");
  };

  const ended = (async (): Promise<Extract<Out, { type: "END" }>> => {
    const code = await child.exited;
    // What it left behind and still holds the pipes (or terminal) open gets a second, then
    // is killed; what was written reaches the caller at the caller's pace.
    const grace = setTimeout(killAll, 1000);
    await outputDone;
    clearTimeout(grace);
    killAll();
    killed = true;
    out.close();
    terminal?.close();
    const signal = typeof child.signalCode === "string" ? child.signalCode : undefined;
    return signal ? { type: "END", code: 128 + signalNumber(signal), signal } : { type: "END", code: code ?? 0 };
  })();

  const stdinSink = !terminal && open.stdin ? (child.stdin as import("bun").FileSink) : undefined;
  let stdinFlushed: Promise<unknown> = Promise.resolve();
  const frame = (f: AdminFrame): void => {
    switch (f.type) {
      case "DATA": {
        input.spend(f.data.byteLength, "the caller");
        const bytes = f.data.byteLength;
        if (terminal) {
          terminal.write(f.data);
          input.grant(bytes);
          return send({ type: "WINDOW", bytes });
        }
        if (!stdinSink) return;
        try {
          stdinSink.write(f.data);
          const flushed = Promise.resolve(stdinSink.flush());
          stdinFlushed = flushed.catch(() => {});
          void flushed
            .then(() => {
              input.grant(bytes);
              send({ type: "WINDOW", bytes });
            })
            .catch(() => {});
        } catch {
          // the command closed its stdin
        }
        return;
      }
      case "WINDOW":
        return out.grant(f.bytes);
      case "EOF":
        if (terminal) terminal.write("\x04");
        else
          // After the last write has flushed: an end() while a flush is pending left the
          // command's stdin open (seen: `cat` waiting for ever with all its input read).
          void stdinFlushed.then(() => {
            try {
              void Promise.resolve(stdinSink?.end()).catch(() => {});
            } catch {
              // already closed
            }
          });
        return;
      case "RESIZE":
        return terminal?.resize(f.cols, f.rows);
      case "SIGNAL": {
        if (!SENDABLE_SIGNALS.has(f.signal)) return;
        // As a terminal does: to the foreground job; without one, to the command's group.
        return kill(-(terminal ? foregroundGroup(child.pid) : child.pid), f.signal as NodeJS.Signals);
      }
      case "CANCEL":
        return run.kill();
    }
  };
  const run: ExecRun = {
    frame,
    kill: () => {
      killed = true;
      out.close();
      killAll();
      for (const res of drainedWaiters.splice(0)) res();
      ttyEof();
    },
    ended,
  };
  return run;
}
