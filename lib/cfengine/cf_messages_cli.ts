/**
 * `cf-messages`: the `messages:` promise type for CFEngine (≥ 3.17), a promise module
 * cf-agent starts and talks to on stdin/stdout (lib/cfengine/module_protocol.ts).
 *
 * @module
 */
import { createInterface } from "node:readline";
import { defineCommand, defineSharedCommands, parseCommand, runSharedCommand, VERSION } from "../cli/mod.ts";
import { EXIT } from "../errors.ts";
import { MessagesModule } from "./messages_module.ts";
import { formatResponse, headerReply, parseRequest } from "./module_protocol.ts";

const HELP = `cf-messages: the messages: promise type for CFEngine, sending to a zog ring.

cf-agent (3.17 or later) starts it as a promise module and speaks to it on stdin and
stdout; it is not meant to be run by hand.

Policy:
  promise agent messages { path => "/usr/local/bin/cf-messages"; }
  bundle agent main {
    messages:
      "backup done on $(sys.fqhost)"
        id => "backup-$(sys.fqhost)-$(sys.cdate)",
        ring => "/etc/zog/ring.toml";
  }

The promiser is the message content (one line, at most 508 bytes of UTF-8). Attributes:
  ring => "FILE"                 the ring's ring.toml (its nodes' client ports, its [tls])
  servers => { "HOST[:PORT]" }   or the nodes' client ports (default port 55552)
  id => "KEY"                    idempotency key: the ring logs one message per id; an id
                                 outside 1-64 of [A-Za-z0-9._:-] is sent as cf- + its SHA-256
  ca, cert, key => "FILE"        TLS files (with ring, [tls]'s CA is the default)
  timeout => "SECONDS"           how long the ring may take to acknowledge (default 10)

Outcomes: with id, a message the ring already holds is kept (not sent again); otherwise it
is sent and repaired once a node acknowledged it; a ring that cannot be reached, or that
refuses, makes the promise not_kept, with the reason logged. Without id each run sends once.
An unknown attribute, a content that is no message, no ring: the promise is invalid.
The ring remembers ids for its last 500 000 messages: an id older than that is sent again.`;

const CF_MESSAGES = defineCommand({ program: "cf-messages", summary: "the messages: promise type for CFEngine", help: HELP, flags: {} });
defineSharedCommands("cf-messages");

/** Runs `cf-messages` with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const shared = runSharedCommand("cf-messages", args);
  if (shared !== undefined) return shared;
  const parsed = parseCommand(CF_MESSAGES, args);
  if (typeof parsed === "number") return parsed;
  return await serve(process.stdin, (s) => process.stdout.write(s));
}

/**
 * Speaks the promise module protocol: the header, then each request in turn, until
 * `terminate` or the end of input.
 *
 * @example
 * ```ts
 * await serve(process.stdin, (s) => process.stdout.write(s));
 * ```
 */
export async function serve(input: NodeJS.ReadableStream, write: (s: string) => void): Promise<number> {
  const module = new MessagesModule();
  let header = true;
  try {
    for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
      const line = raw.trim();
      if (line === "") continue;
      if (header) {
        write(headerReply(line, "cf-messages", VERSION));
        header = false;
        continue;
      }
      const req = parseRequest(line);
      const res = await module.handle(req);
      write(formatResponse(res));
      if (req.operation === "terminate") return EXIT.ok;
    }
    return EXIT.ok;
  } finally {
    await module.close();
  }
}
