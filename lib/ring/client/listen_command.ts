/**
 * `sprog listen`: prints the messages one node logs, one line each, until stopped: live,
 * replayed first (`--since`), as a durable listener (`--durable`) or a work-queue member
 * (`--group`), acknowledging each batch once it is written.
 *
 * @module
 */
import type { HostPort, TlsClientFiles } from "../../tls/mod.ts";
import { EXIT, UsageError } from "../../errors.ts";
import { getLogger } from "../../log/mod.ts";
import { RingListener } from "./listener.ts";
import { ExecHandler, type ExecOptions } from "./exec_handler.ts";
import type { RingEvent, SubscribeOptions } from "./node_link.ts";
import { curelessProblem } from "./cureless.ts";

const log = getLogger("sprog", "listen");

/**
 * One output line for a message: the node's seq, origin node, id and content (the
 * wrapping digit and CRLF dropped).
 *
 * @example
 * ```ts
 * formatEvent({ seq: 7, id: "c5-1", node: "MV", msg: "0hello\r\n" }); // "7 MV c5-1 hello"
 * ```
 */
export function formatEvent(ev: RingEvent): string {
  const content = ev.msg.replace(/^[0-9]/, "").replace(/\r\n$/, "");
  return `${ev.seq || "-"} ${ev.node || "-"} ${ev.id} ${content}`;
}

/** Writes to stdout; resolves once the bytes are handed to the system. */
function print(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

/** What `sprog listen` says when the node confirms its subscription. */
function subscribedLine(where: string, opts: SubscribeOptions, vars: Record<string, string> = {}): string {
  const parts = [
    opts.prefix ? `prefix "${opts.prefix}"` : "",
    opts.durable ? `durable ${opts.durable}` : "",
    opts.group ? `group ${opts.group}` : "",
  ];
  let line = `listening to ${where}${parts.some((p) => p) ? ` (${parts.filter((p) => p).join(", ")})` : ""}`;
  if (vars.from) line += `, from seq ${vars.from} (last logged: ${vars.seq})`;
  if (vars.skipped) line += `; ${vars.skipped} older messages are no longer held (retain): the replay starts at seq ${vars.from}`;
  return line;
}

/**
 * Listens to `server` until SIGINT/SIGTERM; returns exit code 0.
 *
 * @throws {UsageError} when the node refuses the subscription ("cannot subscribe: ..."), or at
 *   once on a misuse no reconnect cures (a plain listener on a TLS port...: see `curelessProblem`)
 * @throws {Error} when another listener took its durable name over
 *
 * @example
 * ```ts
 * await listenCommand({ server: { host: "127.0.0.11", port: 55552 }, prefix: "alert", since: "all" });
 * ```
 */
export async function listenCommand(
  opts: SubscribeOptions & { server: HostPort; tls?: TlsClientFiles; exec?: ExecOptions },
): Promise<number> {
  const where = `${opts.server.host}:${opts.server.port}`;
  let refused: string | undefined;
  let stopped: string | undefined;
  let misuse: string | undefined;
  let done!: () => void;
  const finished = new Promise<void>((res) => (done = res));
  const exec = opts.exec ? new ExecHandler(opts.exec) : undefined;
  const listener = new RingListener({
    ...opts,
    onRefused: (reason) => {
      refused = reason;
      done();
    },
    onMessages: exec
      ? (evs) =>
          exec.handle(evs).catch((e: Error) => {
            stopped = e.message;
            done();
            throw e;
          })
      : (evs) => print(`${evs.map(formatEvent).join("\n")}\n`),
    onState: (state, err, vars) => {
      if (state === "up") return log.info("{line}", { line: subscribedLine(where, opts, vars) });
      misuse ??= err && curelessProblem(err.message, where);
      if (misuse) done();
      else log.warn("{reason}; reconnecting", { reason: err?.message ?? `lost ${where}` });
    },
    onCaughtUp: (seq) => log.info("replay done at seq {seq}: live from here", { seq }),
  });
  process.once("SIGINT", done);
  process.once("SIGTERM", done);
  listener.start();
  await finished;
  exec?.stop();
  await listener.stop();
  if (misuse !== undefined) throw new UsageError(misuse);
  if (stopped !== undefined) {
    process.stderr.write(`sprog: ${stopped}\n`);
    return EXIT.failure;
  }
  if (refused === undefined) return EXIT.ok;
  // A bad subscription is the caller's to fix (2); a durable name taken over is not (1).
  if (refused.startsWith("cannot subscribe: ")) throw new UsageError(`${where} refused: ${refused}`);
  throw new Error(`${where}: ${refused}`);
}
