/**
 * `sprog`: the ring client's command line.
 *
 * @module
 */
import { defineCommand, parseCommand } from "../../cli/command.ts";
import { parseNumber } from "../../cli/flags.ts";
import { defineSharedCommands, runSharedCommand } from "../../cli/shared_commands.ts";
import { loadRingConfig } from "../../config/ring_config.ts";
import { UsageError } from "../../errors.ts";
import { loadClientTls, thisNode, tlsPaths } from "./client_tls.ts";
import { contentProblem } from "./content.ts";
import { listenCommand } from "./listen_command.ts";
import { parseSince } from "./since.ts";
import { sendCommand } from "./send_command.ts";
import { listenTarget, resolveTarget } from "./servers.ts";

const HELP = `sprog: sends messages to a zog ring, on an interval or once from cron, and listens.

Usage:
  sprog [--config ring.toml | --server HOST[:PORT] ...] [-i SECONDS] [-r | -s HOST | -T]
        [-n COUNT] [-m TEXT] [--window W] [--timeout SECONDS] [-q] [--ca CA --cert CRT --key KEY]
  sprog listen [--config ring.toml | --server HOST[:PORT]] [--prefix P] [--since all|SEQ|TIME]
               [--durable NAME | --group NAME [--ack-wait SECONDS]] [--ca CA --cert CRT --key KEY]
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
  "SEQ ORIGIN_NODE ID CONTENT" lines (SEQ: that node's sequence number); it reconnects
  when the node goes away and resumes after the last message it printed.
  --prefix P               only messages whose content starts with P
  --since all|SEQ|TIME     first what the node holds from there (TIME: 2026-12-01T21:00:00Z,
                           20261201T210000Z, or a span ago: 10m, 2h, 7d), then live
  --durable NAME           the node keeps NAME's position: it resumes after the last message
                           it acknowledged (--since applies only when NAME is new)
  --group NAME             a work queue: each message goes to one member of NAME on that node
  --ack-wait SECONDS       a member's message unacknowledged this long goes to another (default 30)
  With --config and no --server it listens to this machine's node (else the first node).

TLS (also from ring.toml [tls]; a ring machine uses its node's certificate):
  --ca FILE --cert FILE --key FILE

Examples:
  sprog --config ring.toml                           # one random message every 10 s
  sprog --config ring.toml -n 1 -m "backup done"     # cron form
  sprog --server 127.0.0.11 -i 0 --window 64 -n 20000 # throughput
  tail -f app.log | sprog --config ring.toml -m - -i 0
  sprog listen --server 127.0.0.11 --prefix ALERT
  sprog listen --server 127.0.0.11 --since all --durable audit
  sprog listen --server 127.0.0.11 --group jobs | while read -r seq node id job; do ...; done`;

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
  since: { type: "string" },
  durable: { type: "string" },
  group: { type: "string" },
  "ack-wait": { type: "string" },
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
  if (values.durable !== undefined && values.group !== undefined)
    throw new UsageError("--durable and --group do not go together: a group's position is the group's");
  if (values["ack-wait"] !== undefined && values.group === undefined)
    throw new UsageError("--ack-wait is for group members: add --group NAME");
  for (const flag of ["durable", "group"] as const) {
    const v = values[flag];
    if (v !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(v))
      throw new UsageError(`--${flag} "${v}" may hold only letters, digits, ".", "_" and "-" (1-64)`);
  }
  return await listenCommand({
    server,
    tls,
    prefix: values.prefix,
    since: values.since !== undefined ? parseSince(values.since) : undefined,
    durable: values.durable,
    group: values.group,
    ackWait: values["ack-wait"] !== undefined ? parseNumber("--ack-wait", values["ack-wait"], { min: 0.1 }) : undefined,
  });
}
