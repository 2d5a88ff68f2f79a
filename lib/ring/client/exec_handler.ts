/**
 * `sprog listen --exec CMD`: runs CMD for each message, in order, the content on its stdin
 * and `ZOG_ID`, `ZOG_SEQ`, `ZOG_ORIGIN` in its environment. A CMD that fails is run again
 * after a backoff, a bounded number of times; then the message is skipped, parked (a line
 * in a file), or the listener stops without acknowledging it.
 *
 * @module
 */
import { appendFileSync } from "node:fs";
import { getLogger } from "../../log/mod.ts";
import type { RingEvent } from "./node_link.ts";
import { contentOf } from "./reply_watch.ts";
import { runForMessage } from "./run_command.ts";

const log = getLogger("sprog", "exec");

/** What to do with a message whose CMD kept failing. */
export type OnFailure = { kind: "skip" } | { kind: "stop" } | { kind: "park"; file: string };

/** Options of {@link ExecHandler}. */
export interface ExecOptions {
  /** A shell command line (run by /bin/sh -c). */
  command: string;
  /** Runs after the first that fail, before giving up (default 3). */
  retries: number;
  /** The first pause before a retry, doubling each time up to 30 s (ms). */
  backoffMs: number;
  onFailure: OnFailure;
}

/** A CMD kept failing and `--on-failure stop` was asked: the message is not acknowledged. */
export class ExecStopped extends Error {
  /** @param message which message, and how CMD ended */
  constructor(message: string) {
    super(message);
    this.name = "ExecStopped";
  }
}

/**
 * The pauses before each retry: `base`, doubling, at most 30 s. Pure.
 *
 * @example
 * ```ts
 * retryDelays(4, 1000); // [1000, 2000, 4000, 8000]
 * ```
 */
export function retryDelays(retries: number, base: number): number[] {
  return Array.from({ length: retries }, (_, i) => Math.min(30_000, base * 2 ** i));
}

/**
 * Reads `--on-failure`: `skip`, `stop` or `park:FILE`.
 *
 * @throws {RangeError} saying what is accepted
 * @example
 * ```ts
 * parseOnFailure("park:/var/lib/jobs/parked.txt"); // { kind: "park", file: "/var/lib/jobs/parked.txt" }
 * ```
 */
export function parseOnFailure(text: string): OnFailure {
  if (text === "skip" || text === "stop") return { kind: text };
  if (text.startsWith("park:") && text.length > 5) return { kind: "park", file: text.slice(5) };
  throw new RangeError(`--on-failure "${text}" is not skip, stop or park:FILE`);
}

/**
 * Runs CMD for the messages a listener hands over.
 *
 * @example
 * ```ts
 * import { RingListener } from "./listener.ts";
 * const exec = new ExecHandler({ command: "cf-agent -KI -b handle_message", retries: 3, backoffMs: 1000, onFailure: { kind: "skip" } });
 * new RingListener({ server, group: "handlers", onMessages: (evs) => exec.handle(evs) });
 * ```
 */
export class ExecHandler {
  /** Messages whose CMD exited 0, and those given up on. */
  done = 0;
  failed = 0;
  #stopping = false;

  constructor(readonly opts: ExecOptions) {}

  /** Stops retrying: a message in its backoff is given up at once (at SIGTERM). */
  stop(): void {
    this.#stopping = true;
  }

  /**
   * Handles one batch, in order; resolves once every message succeeded or was given up.
   *
   * @throws {ExecStopped} with `--on-failure stop`, at the first message given up
   */
  async handle(events: RingEvent[]): Promise<void> {
    for (const ev of events) await this.#one(ev);
  }

  async #one(ev: RingEvent): Promise<void> {
    const env = { ZOG_ID: ev.id, ZOG_SEQ: String(ev.seq), ZOG_ORIGIN: ev.node };
    const input = contentOf(ev);
    const delays = retryDelays(this.opts.retries, this.opts.backoffMs);
    for (let attempt = 0; ; attempt++) {
      const r = await runForMessage({ argv: ["/bin/sh", "-c", this.opts.command], input, env, stdout: "inherit" });
      if (r.code === 0) {
        this.done++;
        return;
      }
      const why = r.error ?? `exit code ${r.code}`;
      const pause = delays[attempt];
      if (pause === undefined || this.#stopping) return this.#giveUp(ev, input, why, attempt + 1);
      log.warn("message {id} (seq {seq}): the command failed ({why}); again in {s} s", { id: ev.id, seq: ev.seq, why, s: pause / 1000 });
      await Bun.sleep(pause);
    }
  }

  #giveUp(ev: RingEvent, content: string, why: string, runs: number): void {
    this.failed++;
    const what = `message ${ev.id} (seq ${ev.seq}): the command failed ${runs} time(s), last ${why}`;
    const f = this.opts.onFailure;
    if (f.kind === "stop") throw new ExecStopped(`${what}; stopping (--on-failure stop): it stays unacknowledged`);
    if (f.kind === "park") {
      appendFileSync(f.file, `${new Date().toISOString()} ${ev.seq} ${ev.node} ${ev.id} ${JSON.stringify(why)} ${content}\n`);
      log.error("{what}; parked in {file}", { what, file: f.file });
      return;
    }
    log.error("{what}; skipped", { what });
  }
}
