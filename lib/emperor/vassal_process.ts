/**
 * Starting one vassal process: in its own session and process group, output appended to
 * its log, uWSGI vassals with the emperor socket on fd 3, plain ones under a parent-death
 * signal so they do not outlive a killed emperor.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { acquireVassalLog, releaseVassalLog } from "./vassal_log.ts";
import { LastLine } from "./last_line.ts";

/** How long an exit waits for the output still in the pipes (see launchVassal). */
const EXIT_OUTPUT_WAIT_MS = 100;
import type { LogRotation, PlainConfig } from "../vassal/mod.ts";
import type { Socket } from "node:net";
import { inCgroup, plainArgv, resolveRunAs, SETPRIV } from "../proc/mod.ts";

/** Callbacks of a running vassal process. */
export interface ProcessEvents {
  /** Bytes from the uWSGI emperor socket. */
  onBytes(bytes: Uint8Array): void;
  /**
   * The process ended, or could not start (code and signal null, `error` says why), with the
   * last line it wrote to stderr (escaped, bounded), if any. Called once.
   */
  onExit(code: number | null, signal: string | null, error?: Error, lastLine?: string): void;
}

/** What to start. */
export type LaunchSpec = (
  | { kind: "uwsgi"; binary: string; iniFile: string; cwd: string; logFile: string; logRotation?: LogRotation }
  | { kind: "plain"; config: PlainConfig; cwd: string; logFile: string; logRotation?: LogRotation }
) & {
  /** The vassal's cgroup.procs file: the process moves itself there before anything else runs. */
  cgroupProcs?: string;
};

/** A started vassal process. */
export interface VassalProcess {
  pid: number;
  /** Sends one emperor-protocol byte (uWSGI vassals); false when the socket is gone. */
  send(byte: number): boolean;
  /** Signals the process itself. */
  signal(sig: NodeJS.Signals): void;
  /** SIGKILLs its whole process group (the vassal and anything it forked). */
  killGroup(): void;
}

/**
 * Starts a vassal process.
 *
 * @throws {Error} when the log file cannot be opened or the user or group does not exist
 */
export function launchVassal(spec: LaunchSpec, events: ProcessEvents): VassalProcess {
  // Output goes through the emperor (pipes, not the file itself) so that SIGHUP can reopen
  // the file and log_max_size can rotate it.
  const log = acquireVassalLog(spec.logFile, spec.logRotation);
  let child: ChildProcess;
  try {
    if (spec.kind === "uwsgi") {
      const [cmd, ...args] = inCgroup([spec.binary, "--ini", spec.iniFile], spec.cgroupProcs);
      child = spawn(cmd!, args, {
        cwd: spec.cwd,
        detached: true,
        stdio: ["ignore", "pipe", "pipe", "pipe"],
        env: { ...process.env, UWSGI_EMPEROR_FD: "3" },
      });
    } else {
      const runAs = resolveRunAs(spec.config.user, spec.config.group);
      const [cmd, ...args] = inCgroup(plainArgv(spec.config, runAs, SETPRIV), spec.cgroupProcs);
      child = spawn(cmd!, args, {
        // Without setpriv, node sets the ids itself (no supplementary groups then).
        ...(SETPRIV ? {} : { uid: runAs.uid, gid: runAs.gid }),
        cwd: spec.config.cwd ?? spec.cwd,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...spec.config.env },
      });
    }
  } catch (e) {
    releaseVassalLog(log);
    throw e;
  }
  let open = 2;
  const stderr = new LastLine();
  for (const stream of [child.stdout, child.stderr] as (Readable | null)[]) {
    if (!stream) {
      if (--open === 0) releaseVassalLog(log);
      continue;
    }
    const isErr = stream === child.stderr;
    stream.on("data", (d: Buffer) => {
      log.append(d);
      if (isErr) stderr.push(d);
    });
    stream.once("close", () => {
      if (--open === 0) releaseVassalLog(log);
    });
  }
  let ended = false;
  const end = (code: number | null, signal: string | null, error?: Error) => {
    if (ended) return;
    ended = true;
    events.onExit(code, signal, error, stderr.line());
  };
  // The exit may be seen before the last output is read: wait for the pipes to close (its
  // last line is the one that says why), but not for long, as something it forked may
  // hold them open.
  child.on("exit", (code, signal) => {
    const timer = setTimeout(() => end(code, signal), EXIT_OUTPUT_WAIT_MS);
    child.once("close", () => {
      clearTimeout(timer);
      end(code, signal);
    });
  });
  child.on("error", (e) => end(null, null, e));
  // A spawn that failed (EMFILE making its pipes) has no stdio: its "error" event says why.
  const socket = child.stdio?.[3] as Socket | null | undefined;
  socket?.on("data", (d: Buffer) => events.onBytes(d));
  // A broken emperor socket shows as send() returning false and as the vassal's exit.
  socket?.on("error", () => {});
  const pid = child.pid ?? -1;
  return {
    pid,
    send: (byte) => {
      if (!socket || socket.destroyed) return false;
      socket.write(Buffer.of(byte));
      return true;
    },
    signal: (sig) => {
      if (pid <= 1) return; // never started: no pid to signal
      try {
        process.kill(pid, sig);
      } catch {
        // already gone: its exit is on the way
      }
    },
    killGroup: () => {
      if (pid <= 1) return;
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // nothing left in the group
      }
    },
  };
}
