/**
 * The emperor's end of exec and logs streams, whichever way they come: relayed by zeus on
 * the emperor's link, or from a local client on the emperor's Unix socket. Each way is a
 * channel; when a channel closes, every command it started is killed.
 *
 * @module
 */
import type { AdminFrame } from "../admin/mod.ts";
import type { ExecContext } from "./exec_context.ts";
import { ProtocolError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import { startLogs } from "./log_tail.ts";
import { commandLine } from "./relay.ts";
import { startExec } from "./runner.ts";

const log = getLogger("emperor", "exec");

/** What the endpoint needs of the supervisor. */
export interface ExecHost {
  execContext(name: string): ExecContext | undefined;
  /** The log a vassal that no longer runs here left (failed, stopped, moved away), if kept. */
  departedLog?(name: string): string | undefined;
}

/** Options of an {@link ExecEndpoint}. */
export interface ExecEndpointOptions {
  /** This emperor's name (its --node; "local" standalone). */
  node: string;
  /** `--no-exec`: exec is refused, logs still work. */
  noExec: boolean;
}

/** One way streams come in. */
export interface ExecChannel {
  /**
   * A stream frame from the other side.
   *
   * @throws {ProtocolError} on a frame that may not come this way, or a stream opened twice
   */
  frame(f: AdminFrame): void;
  /** The other side is gone: kill what it started. */
  close(): void;
}

type Run = { frame(f: AdminFrame): void; kill(): void };

/**
 * The emperor's streams.
 *
 * @example
 * ```ts
 * const ep = new ExecEndpoint(supervisor, { node: "n1", noExec: false });
 * const ch = ep.channel((f) => conn.write(encodePacket(encodeAdminFrame(f))), "zeus");
 * ch.frame(decodeAdminFrame(packet));
 * ```
 */
export class ExecEndpoint {
  constructor(
    readonly host: ExecHost,
    readonly opts: ExecEndpointOptions,
  ) {}

  /** A new channel: frames for the other side go to `send`; `via` names it in logs. */
  channel(send: (f: AdminFrame) => void, via: string): ExecChannel {
    const runs = new Map<number, Run>();
    let open = true;
    const out = (id: number) => (f: object) => {
      if (open && runs.has(id)) send({ ...f, id } as AdminFrame);
    };
    return {
      frame: (f) => {
        if (f.type === "OPEN") {
          if (runs.has(f.id)) throw new ProtocolError(`stream ${f.id} is already open`);
          return this.#open(f, runs, out(f.id), (end) => open && send(end), via);
        }
        if (!("id" in f) || !["DATA", "EOF", "WINDOW", "RESIZE", "SIGNAL", "CANCEL"].includes(f.type))
          throw new ProtocolError(`${f.type} may not be sent to an emperor`);
        const run = runs.get(f.id);
        if (!run) return;
        if (f.type === "CANCEL") {
          runs.delete(f.id);
          return run.kill();
        }
        run.frame(f);
      },
      close: () => {
        open = false;
        for (const r of runs.values()) r.kill();
        runs.clear();
      },
    };
  }

  #open(
    f: Extract<AdminFrame, { type: "OPEN" }>,
    runs: Map<number, Run>,
    send: (f: object) => void,
    end: (f: AdminFrame) => void,
    via: string,
  ): void {
    const o = f.open;
    const who = `${o.who ?? "unknown"} via ${via}`;
    const what = o.kind === "exec" ? commandLine(o.argv) : `logs${o.follow ? " -f" : ""}`;
    const refuse = (error: string, reason: string) => {
      log.warn("{kind} by {who} on {vassal}: {what} refused: {reason}", { kind: o.kind, who, vassal: o.vassal, what, reason });
      end({ type: "END", id: f.id, code: 0, error, reason });
    };
    const ctx = this.host.execContext(o.vassal);
    const logFile = ctx?.logFile ?? (o.kind === "logs" ? this.host.departedLog?.(o.vassal) : undefined);
    const none = `vassal "${o.vassal}" does not run on emperor ${this.opts.node}${o.kind === "logs" ? " and left no log there" : ""}`;
    if (!logFile) return refuse("no-such-vassal", none);
    if (o.kind === "exec" && this.opts.noExec) return refuse("exec-disabled", `emperor ${this.opts.node} was started with --no-exec`);
    const started = Date.now();
    const sendOpened = (g: object) => send((g as AdminFrame).type === "OPENED" ? { ...g, node: this.opts.node } : g);
    const run = o.kind === "exec" ? startExec(o, ctx!, sendOpened) : startLogs(o, logFile, sendOpened);
    runs.set(f.id, run);
    if (o.kind === "exec") log.info("exec by {who} in {vassal} ({cwd}): {what}", { who, vassal: o.vassal, cwd: ctx!.cwd, what });
    void run.ended.then((e) => {
      if (!runs.delete(f.id)) {
        if (o.kind === "exec")
          log.info("exec by {who} in {vassal}: {what} killed (the caller went away) after {secs} s", {
            who,
            vassal: o.vassal,
            what,
            secs: secs(started),
          });
        return;
      }
      const how = e.error ? `${e.error}: ${e.reason}` : e.signal ? `killed by ${e.signal} (${e.code})` : `exit ${e.code}`;
      if (o.kind === "exec")
        log.info("exec by {who} in {vassal}: {what} ended, {how}, after {secs} s", {
          who,
          vassal: o.vassal,
          what,
          how,
          secs: secs(started),
        });
      end({ ...e, id: f.id } as AdminFrame);
    });
  }
}

const secs = (since: number): string => ((Date.now() - since) / 1000).toFixed(3);
