/**
 * The caller's side of an exec or logs stream (seed 001's Client): remote output to
 * stdout and stderr as it comes, stdin streamed within the remote's window (EOF
 * included), the terminal in raw mode with `-t`, its size at start and on SIGWINCH,
 * signals passed on, and the remote exit code returned.
 *
 * @module
 */
import { type AdminConnection, adminExitCode, type AdminFrame, INITIAL_WINDOW, MAX_DATA, type StreamOpen } from "../admin/mod.ts";
import { signalNumber } from "../vassal/mod.ts";
import { rawMode, windowSize } from "./terminal.ts";
import { SendWindow } from "./window.ts";
import { errCode, EXIT } from "../errors.ts";

/** How the caller's own streams take part. */
export interface CallOptions {
  /** Stream stdin to the command (`-i`). */
  stdin: boolean;
  /** The command has a terminal (`-t`): raw mode, window size, keyboard signals. */
  tty: boolean;
  /** Prefix of error lines ("zeus exec"). */
  prog: string;
}

/** Waits until everything written to `w` so far has been handed to the OS (not when it broke). */
function flushed(w: NodeJS.WriteStream): Promise<void> {
  return new Promise((res) => {
    try {
      if (w.write("")) res();
      else w.once("drain", () => res());
    } catch {
      // A broken stream has nothing left to flush: outputGone() has already said so.
      res();
    }
  });
}

/**
 * Runs one stream to its end; resolves with the exit code to leave with: the remote
 * command's (128 + signal number when a signal ended it), or an admin exit code
 * (253 no such vassal, 254 refused, 255 connection lost) with one line on stderr.
 *
 * @example
 * ```ts
 * declare const admin: AdminConnection;
 * const code = await runStream(admin, { kind: "exec", vassal: "app.toml", argv: ["uptime"], tty: false, stdin: false, rows: 24, cols: 80 }, { stdin: false, tty: false, prog: "zeus exec" });
 * ```
 */
export function runStream(conn: AdminConnection, open: StreamOpen, opts: CallOptions): Promise<number> {
  return new Promise<number>((resolve) => {
    const cleanups: (() => void)[] = [];
    // Output handed to stdout/stderr and not yet written: the exit waits for it.
    let pending = 0;
    let idle: (() => void) | undefined;
    let finished = false;
    let broken = false;
    const finish = async (code: number, message?: string): Promise<void> => {
      if (finished) return;
      finished = true;
      for (const c of cleanups.splice(0)) c();
      if (pending > 0) await new Promise<void>((res) => (idle = res));
      if (!broken) await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
      if (message) process.stderr.write(`${opts.prog}: ${message}\n`);
      resolve(code);
    };
    const onSignal = (sig: NodeJS.Signals, handler: () => void): void => {
      process.on(sig, handler);
      cleanups.push(() => process.off(sig, handler));
    };

    // Our stdout or stderr closed (`zeus exec ... | head -1`): stop the command, as SIGPIPE would.
    const outputGone = (err: Error): void => {
      if (finished) return;
      broken = true;
      stream.send({ type: "CANCEL", reason: `the caller's output closed: ${errCode(err)}` });
      pending = 0;
      void finish(128 + signalNumber("SIGPIPE"));
    };
    for (const w of [process.stdout, process.stderr]) {
      const onError = (err: Error) => outputGone(err);
      w.on("error", onError);
      cleanups.push(() => w.off("error", onError));
    }
    const input = new SendWindow(INITIAL_WINDOW);
    const stream = conn.openStream(open, {
      onFrame: (f: AdminFrame) => {
        switch (f.type) {
          case "DATA": {
            const target = f.fd === 2 ? process.stderr : process.stdout;
            const bytes = f.data.byteLength;
            pending++;
            try {
              target.write(f.data, (err) => {
                if (--pending === 0) idle?.();
                if (err) return outputGone(err);
                if (!finished) stream.send({ type: "WINDOW", bytes });
              });
            } catch (e) {
              pending--;
              outputGone(e as Error);
            }
            return;
          }
          case "WINDOW":
            return input.grant(f.bytes);
          case "END":
            if (!f.error) return void finish(f.code);
            if (f.error === "spawn" || f.error === "io") return void finish(f.code || 1, f.reason);
            return void finish(adminExitCode(f.error), f.reason);
        }
      },
    });

    if (opts.tty) {
      const restore = opts.stdin ? rawMode() : () => {};
      cleanups.push(restore);
      onSignal("SIGWINCH", () => stream.send({ type: "RESIZE", ...windowSize() }));
      // Without raw mode the keyboard's ^Z reaches us: pass it on, as a terminal would.
      onSignal("SIGTSTP", () => stream.send({ type: "SIGNAL", signal: "SIGTSTP" }));
    }
    // A command gets the keyboard's signals and decides; following a log ends with them.
    if (open.kind === "exec")
      for (const sig of ["SIGINT", "SIGQUIT"] as const) onSignal(sig, () => stream.send({ type: "SIGNAL", signal: sig }));
    for (const sig of open.kind === "exec" ? (["SIGTERM", "SIGHUP"] as const) : (["SIGINT", "SIGTERM", "SIGHUP"] as const))
      onSignal(sig, () => {
        stream.send({ type: "CANCEL", reason: `the caller got ${sig}` });
        void finish(128 + signalNumber(sig));
      });

    // stdin: pulled only while the remote has room for it, so a slow command holds us back.
    // A pull reader, not process.stdin's pause()/resume(): with those, its 'end' was lost
    // now and then (all the input sent, no EOF, the remote `cat` waiting for ever).
    // A stdin that cannot be read (EIO, a descriptor opened for writing) would leave the
    // command waiting for input that never comes: stop it and say why.
    const stdinFailed = (e: unknown): void => {
      if (finished) return;
      stream.send({ type: "CANCEL", reason: `the caller's stdin failed: ${errCode(e)}` });
      void finish(EXIT.failure, `cannot read stdin: ${errCode(e)}`);
    };
    if (opts.stdin) {
      try {
        const reader = Bun.stdin.stream().getReader();
        cleanups.push(() => {
          input.close();
          // Finished: whatever stdin still held is not wanted, so a failed cancel loses nothing.
          void reader.cancel().catch(() => {});
        });
        void pumpStdin(reader).catch(stdinFailed);
      } catch (e) {
        stdinFailed(e);
      }
    }
    async function pumpStdin(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
      for (;;) {
        await input.open();
        if (finished) return;
        const { value, done } = await reader.read();
        if (finished) return;
        if (done) return void stream.send({ type: "EOF" });
        for (let off = 0; off < value.byteLength;) {
          await input.open();
          if (finished) return;
          const n = input.take(Math.min(MAX_DATA, value.byteLength - off));
          stream.send({ type: "DATA", fd: 0, data: value.subarray(off, off + n) });
          off += n;
        }
      }
    }
  });
}
