/**
 * `sprog` sending: a stream of messages (random, `-m TEXT`, or stdin lines) paced by the
 * interval, up to W in flight, ending with a one-line summary.
 *
 * @module
 */
import { createInterface } from "node:readline";
import { contentProblem, randomContent } from "./content.ts";
import { RingClient, type RingClientOptions } from "./ring_client.ts";
import { Slots } from "./slots.ts";
import { formatProgress, formatSummary, newTally, type Tally } from "./summary.ts";
import { getLogger } from "../../log/mod.ts";
import { EXIT, UsageError } from "../../errors.ts";

const log = getLogger("sprog", "send");

/** What `sprog` sends and how. */
export interface SendOptions extends RingClientOptions {
  /** Seconds between sends (0: as fast as the window allows). */
  interval: number;
  /** Stop after this many messages. */
  count?: number;
  /** Fixed content, or "-" for one message per line of stdin; random content when unset. */
  message?: string;
  /** Messages in flight at most. */
  window: number;
  /** No summary line. */
  quiet?: boolean;
  /** Where lines come from with `message: "-"` (default stdin). */
  input?: NodeJS.ReadableStream;
}

/** How long a stopping sprog waits for in-flight acknowledgements. */
const STOP_GRACE_MS = 2000;

/** Lines of stdin ("-m -"), one message each; a stop ends the wait for the next line. */
async function* stdinLines(opts: SendOptions, stop: AbortSignal): AsyncGenerator<string> {
  const lines = createInterface({ input: opts.input ?? process.stdin, crlfDelay: Infinity });
  // A stop must not wait for the next line of a quiet stdin.
  stop.addEventListener("abort", () => lines.close());
  for await (const line of lines) yield line;
}

function pause(seconds: number, stop: AbortSignal): Promise<void> {
  return new Promise((res) => {
    const timer = setTimeout(done, seconds * 1000);
    function done() {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      res();
    }
    stop.addEventListener("abort", done);
  });
}

/**
 * Runs a send, returning the exit code: 0 when every message sent was acknowledged (and,
 * with `count`, all of them were sent), else 1 with one line on stderr.
 *
 * @throws {UsageError} at once on an error retrying cannot cure (see `curelessProblem`)
 *
 * @example
 * ```ts
 * const code = await sendCommand({ servers: [{ host: "127.0.0.11", port: 55552 }], interval: 0, window: 32, count: 500 });
 * ```
 */
export async function sendCommand(opts: SendOptions): Promise<number> {
  const client = new RingClient(opts);
  const slots = new Slots(opts.window);
  const tally = newTally();
  const started = performance.now();
  let lastError: string | undefined;
  const stopper = new AbortController();
  const giveUp = new AbortController();
  const stop = () => {
    stopper.abort();
    slots.wakeAll();
  };
  giveUp.signal.addEventListener("abort", stop);
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const progress = process.stderr.isTTY && !opts.quiet ? setInterval(() => drawProgress(tally, started, opts.count), 1000) : undefined;
  // Per message: one promise (the client's) and no wait while the window has room; a
  // burst of acknowledgements is refilled in one turn (issue 26: sprog's own CPU per message).
  const acked = () => {
    tally.acked += 1;
    slots.release();
  };
  const failed = (e: Error) => {
    tally.failed += 1;
    // Keep the cause, not the "stopped before..." of the messages a stop cut short.
    if (!stopper.signal.aborted || lastError === undefined) lastError = e.message;
    if (opts.count === undefined) log.warn("{reason}", { reason: e.message });
    // A counted run whose servers are all failing ends now rather than timing out message by message.
    else if (client.unreachable) giveUp.abort();
    // An error retrying cannot cure (a client certificate wanted...) ends any run now.
    if (client.fatal) giveUp.abort();
    slots.release();
  };
  const lines = opts.message === "-" ? stdinLines(opts, stopper.signal) : undefined;
  // Fixed content is checked once; random content is valid by construction; lines one by one.
  const fixedProblem = opts.message !== undefined && !lines ? contentProblem(opts.message) : undefined;
  try {
    for (;;) {
      let content = opts.message;
      if (lines) {
        const line = await lines.next();
        if (line.done) break;
        content = line.value;
      }
      if (!slots.tryAcquire()) await slots.acquire();
      if (stopper.signal.aborted) break;
      tally.sent += 1;
      const problem = lines ? contentProblem(content!) : fixedProblem;
      if (problem) {
        tally.failed += 1;
        lastError = `line ${tally.sent} not sent: ${problem}`;
        if (opts.count === undefined) log.warn("{reason}", { reason: lastError });
        slots.release();
      } else client.send(content ?? randomContent()).then(acked, failed);
      if (opts.count !== undefined && tally.sent >= opts.count) break;
      // "-m -": each line goes out as soon as it is read; the interval paces the others.
      if (opts.interval > 0 && !lines && !stopper.signal.aborted) await pause(opts.interval, stopper.signal);
      if (stopper.signal.aborted) break;
    }
    await lines?.return(undefined);
    await client.close(giveUp.signal.aborted ? 0 : stopper.signal.aborted ? STOP_GRACE_MS : Number.POSITIVE_INFINITY);
  } finally {
    clearInterval(progress);
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  // One line saying what to pass, exit 2 (runMain), instead of a summary of failures.
  if (client.fatal) throw new UsageError(client.fatal);
  tally.retried = client.retried;
  if (progress) process.stderr.write("\r\x1b[K");
  if (!opts.quiet) process.stdout.write(`${formatSummary(tally, performance.now() - started)}\n`);
  return exitCode(tally, opts.count, lastError);
}

function drawProgress(tally: Tally, started: number, total?: number): void {
  const ms = performance.now() - started;
  if (ms >= 2000) process.stderr.write(`\r${formatProgress(tally, ms, total)}\x1b[K`);
}

function exitCode(t: Tally, count: number | undefined, lastError: string | undefined): number {
  if (t.failed > 0) {
    const unsent = count !== undefined && count > t.sent ? ` (${count - t.sent} not sent)` : "";
    process.stderr.write(`sprog: ${t.failed} of ${t.sent} message(s) not acknowledged${unsent}: ${lastError ?? "unknown error"}\n`);
    return EXIT.failure;
  }
  if (count !== undefined && t.acked < count) {
    process.stderr.write(`sprog: stopped after ${t.acked} of ${count} message(s)\n`);
    return EXIT.failure;
  }
  return EXIT.ok;
}
