/**
 * `sprog`: the ring client's command line.
 *
 * @module
 */
import { defineCommand, parseCommand } from "../cli/command.ts";
import { parseNumber } from "../cli/flags.ts";
import { defineSharedCommands, runSharedCommand } from "../cli/shared_commands.ts";
import { loadRingConfig } from "../config/ring_config.ts";
import { UsageError } from "../errors.ts";
import { loadClientTls, thisNode, tlsPaths } from "./client/client_tls.ts";
import { contentProblem } from "./client/content.ts";
import { listenCommand } from "./client/listen_command.ts";
import { sendCommand } from "./client/send_command.ts";
import { listenTarget, resolveTarget } from "./client/servers.ts";

const HELP = `sprog: sends messages to a zog ring, on an interval or once from cron, and listens.

Usage:
  sprog [--config ring.toml | --server HOST[:PORT] ...] [-i SECONDS] [-r | -s HOST | -T]
        [-n COUNT] [-m TEXT] [--window W] [--timeout SECONDS] [-q] [--ca CA --cert CRT --key KEY]
  sprog listen [--config ring.toml | --server HOST[:PORT]] [--prefix P] [--ca CA --cert CRT --key KEY]
  sprog completion bash|zsh | sprog man

Sending:
  --config FILE            the ring's ring.toml: its nodes' client ports, and [tls]
  --server HOST[:PORT]     a node's client port (default port 55552); repeatable
  -i, --interval SECONDS   pause between messages (default 10; fractions allowed; 0 = no pause)
  -r, --roundRobin         rotate through the servers (default: a random server each time);
                           also --round-robin
  -s, --specificHost HOST  send only to HOST (a host, HOST:PORT or a ring.toml node name);
                           also --specific-host
  -T, --testing            the same as -s 127.0.0.1
  -n, --count N            stop after N messages; exit 0 only if all N were acknowledged
  -m, --message TEXT       send TEXT instead of random content; "-m -" sends each line of stdin
  --window W               keep up to W messages unacknowledged (default 1)
  --timeout SECONDS        fail a message not acknowledged by then, retries included (default 10)
  -q, --quiet              no summary line
A server that is down is skipped for the next one (except with -s/-T), and unacknowledged
messages are sent again under the same id, which every node de-duplicates. At the end:
"N sent, N acked, N failed" and the rate on stdout. SIGINT/SIGTERM stop sending, wait up
to 2 s for acknowledgements and print the summary.

Listening:
  sprog listen prints every message the node logs, from any origin, once each, as
  "ORIGIN_NODE ID CONTENT" lines; it reconnects when the node goes away.
  --prefix P               only messages whose content starts with P
  With --config and no --server it listens to this machine's node (else the first node).

TLS (also from ring.toml [tls]; a ring machine uses its node's certificate):
  --ca FILE --cert FILE --key FILE

Examples:
  sprog --config ring.toml                           # one random message every 10 s
  sprog --config ring.toml -n 1 -m "backup done"     # cron form
  sprog --server 127.0.0.11 -i 0 --window 64 -n 20000 # throughput
  tail -f app.log | sprog --config ring.toml -m - -i 0
  sprog listen --server 127.0.0.11 --prefix ALERT`;

const TLS_FLAGS = {
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
} as const;

const SEND_FLAGS = {
  ...TLS_FLAGS,
  config: { type: "string" },
  server: { type: "string", multiple: true },
  interval: { type: "string", short: "i" },
  roundRobin: { type: "boolean", short: "r" },
  "round-robin": { type: "boolean" },
  specificHost: { type: "string", short: "s" },
  "specific-host": { type: "string" },
  testing: { type: "boolean", short: "T" },
  count: { type: "string", short: "n" },
  message: { type: "string", short: "m" },
  window: { type: "string" },
  timeout: { type: "string" },
  quiet: { type: "boolean", short: "q" },
} as const;

const LISTEN_FLAGS = {
  ...TLS_FLAGS,
  config: { type: "string" },
  server: { type: "string" },
  prefix: { type: "string" },
} as const;

const SPROG = defineCommand({ program: "sprog", summary: "sends messages to a zog ring", help: HELP, flags: SEND_FLAGS });
const LISTEN = defineCommand({
  program: "sprog",
  sub: "listen",
  summary: "print every message a node logs",
  help: HELP,
  flags: LISTEN_FLAGS,
});
defineSharedCommands("sprog");

/** Runs `sprog` with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "listen") return await listen(args.slice(1));
  const shared = runSharedCommand("sprog", args);
  if (shared !== undefined) return shared;
  const parsed = parseCommand(SPROG, args);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const interval = values.interval !== undefined ? parseNumber("--interval", values.interval) : 10;
  const count = values.count !== undefined ? parseNumber("--count", values.count, { integer: true, min: 1 }) : undefined;
  const window = values.window !== undefined ? parseNumber("--window", values.window, { integer: true, min: 1 }) : 1;
  const timeout = values.timeout !== undefined ? parseNumber("--timeout", values.timeout, { min: 0.1 }) : 10;
  const config = values.config !== undefined ? loadRingConfig(values.config) : undefined;
  const target = resolveTarget({
    config,
    servers: values.server,
    roundRobin: values.roundRobin || values["round-robin"],
    specificHost: values.specificHost ?? values["specific-host"],
    testing: values.testing,
  });
  const message = values.message;
  const problem = message !== undefined && message !== "-" ? contentProblem(message) : undefined;
  if (problem)
    throw new UsageError(
      `-m/--message cannot be sent: ${problem}${/[\r\n]/.test(message!) ? ' (use "-m -" for one message per line)' : ""}`,
    );
  const tls = await loadClientTls(tlsPaths({ ca: values.ca, cert: values.cert, key: values.key }, config));
  return await sendCommand({
    ...target,
    tls,
    interval,
    count,
    message,
    window,
    timeoutMs: timeout * 1000,
    quiet: values.quiet,
  });
}

async function listen(args: string[]): Promise<number> {
  const parsed = parseCommand(LISTEN, args);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const config = values.config !== undefined ? loadRingConfig(values.config) : undefined;
  const server = listenTarget(config, values.server, config ? thisNode(config) : undefined);
  const tls = await loadClientTls(tlsPaths({ ca: values.ca, cert: values.cert, key: values.key }, config));
  return await listenCommand({ server, tls, prefix: values.prefix });
}
