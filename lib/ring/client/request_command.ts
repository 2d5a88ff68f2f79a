/**
 * `sprog request`, `sprog reply-of` and `sprog reply`: request/reply through the ring
 * (seed 004's synchronous and asynchronous request/response).
 *
 * @module
 */
import { EXIT, UsageError } from "../../errors.ts";
import { getLogger } from "../../log/mod.ts";
import type { HostPort, TlsClientFiles } from "../../tls/mod.ts";
import { NoReplyError } from "./reply_watch.ts";
import type { ReplyMessage } from "./request_format.ts";
import { Responder } from "./responder.ts";
import { RingClient } from "./ring_client.ts";
import { runForMessage } from "./run_command.ts";

const log = getLogger("sprog", "request");

/** Exit codes of `sprog request` and `sprog reply-of` besides the responder's own. */
export const REQUEST_EXIT = {
  /** No reply within --timeout / --wait (no responder, or none answered in time). */
  noReply: 124,
  /** The ring did not acknowledge the request, or could not be asked. */
  notSent: 125,
} as const;

/** Where a command talks: every server for sending, one node for listening. */
export interface RequestTarget {
  servers: HostPort[];
  listenTo: HostPort;
  tls?: TlsClientFiles;
}

/** `first`, then the other servers: the node listened to comes first. */
function firstThen(first: HostPort, servers: HostPort[]): HostPort[] {
  return [first, ...servers.filter((s) => s.host !== first.host || s.port !== first.port)];
}

/** Prints a reply's text as the responder wrote it; returns its code. */
function printReply(reply: ReplyMessage): number {
  process.stdout.write(reply.text);
  if (reply.cut) log.warn("the reply was cut to fit in one message");
  return reply.code;
}

/**
 * `sprog request`: sends one request, prints the reply, returns the responder's exit code
 * ({@link REQUEST_EXIT} otherwise). With `async`, prints the request's id once the ring
 * acknowledged it.
 *
 * @example
 * ```ts
 * process.exitCode = await requestCommand({ servers, listenTo: servers[0], to: "uptime", text: "?", timeoutMs: 5000 });
 * ```
 */
export async function requestCommand(
  opts: RequestTarget & { to: string; text: string; timeoutMs: number; async?: boolean },
): Promise<number> {
  const client = new RingClient({
    servers: firstThen(opts.listenTo, opts.servers),
    tls: opts.tls,
    timeoutMs: opts.timeoutMs,
    policy: { kind: "roundRobin" },
  });
  try {
    if (opts.async) {
      process.stdout.write(`${await client.requestAsync(opts.to, opts.text)}\n`);
      return EXIT.ok;
    }
    return printReply(await client.request(opts.to, opts.text, { timeoutMs: opts.timeoutMs }));
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message, { cause: e });
    process.stderr.write(`sprog: ${(e as Error).message}\n`);
    return e instanceof NoReplyError ? REQUEST_EXIT.noReply : REQUEST_EXIT.notSent;
  } finally {
    await client.close();
  }
}

/**
 * `sprog reply-of`: prints the reply to an asynchronous request, from any node, waiting up
 * to `waitMs` for it; returns the responder's exit code, or 124 when there is none (yet).
 *
 * @example
 * ```ts
 * process.exitCode = await replyOfCommand({ servers, listenTo: servers[0], id: "q-miq6d2o0-3f9a0c11e2", waitMs: 0 });
 * ```
 */
export async function replyOfCommand(opts: RequestTarget & { id: string; waitMs: number }): Promise<number> {
  const client = new RingClient({ servers: firstThen(opts.listenTo, opts.servers), tls: opts.tls });
  try {
    const reply = await client.replyOf(opts.id, { waitMs: opts.waitMs });
    if (reply) return printReply(reply);
    process.stderr.write(`sprog: no reply to ${opts.id}${opts.waitMs > 0 ? ` within ${opts.waitMs / 1000} s` : " yet"}\n`);
    return REQUEST_EXIT.noReply;
  } catch (e) {
    process.stderr.write(`sprog: ${(e as Error).message}\n`);
    return REQUEST_EXIT.notSent;
  } finally {
    await client.close();
  }
}

/**
 * `sprog reply`: answers SERVICE's requests with CMD until SIGINT/SIGTERM: the request's
 * text on CMD's stdin, ZOG_ID, ZOG_SEQ, ZOG_ORIGIN (and ZOG_SERVICE) in its environment;
 * its stdout (at most 64 KiB read, cut to fit one message) and exit code are the reply.
 *
 * @example
 * ```ts
 * await replyCommand({ servers, listenTo: servers[0], service: "uptime", argv: ["uptime"] });
 * ```
 */
export async function replyCommand(
  opts: RequestTarget & { service: string; argv: string[]; group?: string; ackWait?: number },
): Promise<number> {
  let refused: string | undefined;
  let done!: () => void;
  const finished = new Promise<void>((res) => (done = res));
  const where = `${opts.listenTo.host}:${opts.listenTo.port}`;
  const responder = new Responder({
    server: opts.listenTo,
    servers: firstThen(opts.listenTo, opts.servers),
    tls: opts.tls,
    service: opts.service,
    group: opts.group,
    ackWait: opts.ackWait,
    handle: async (req) => {
      const env = { ZOG_ID: req.id, ZOG_SEQ: String(req.seq), ZOG_ORIGIN: req.origin, ZOG_SERVICE: req.service };
      const r = await runForMessage({ argv: opts.argv, input: req.text, env, stdout: "capture" });
      if (r.error) log.error("{error}", { error: r.error });
      log.info("request {id} answered with code {code}", { id: req.id, code: r.code });
      return { code: r.code, output: r.output };
    },
    onState: (state, err) => {
      if (state === "up") log.info("answering {service} at {where}", { service: opts.service, where });
      else log.warn("{reason}; reconnecting", { reason: err?.message ?? `lost ${where}` });
    },
    onRefused: (reason) => {
      refused = reason;
      done();
    },
  });
  process.once("SIGINT", done);
  process.once("SIGTERM", done);
  responder.start();
  await finished;
  await responder.stop();
  if (refused === undefined) return EXIT.ok;
  // Its group removed by an admin (sprog group rm) is no fault of the command line (1, not 2).
  if (/^group \S+ was removed by /.test(refused)) throw new Error(`${where}: ${refused}`);
  throw new UsageError(`${where} refused: ${refused}`);
}
