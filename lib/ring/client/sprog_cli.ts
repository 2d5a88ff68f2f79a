/**
 * `sprog`: the ring client's command line.
 *
 * @module
 */
import { defineCommand, defineSharedCommands, parseCommand, parseNumber, runSharedCommand } from "../../cli/mod.ts";
import { loadRingConfig } from "../../config/mod.ts";
import { UsageError } from "../../errors.ts";
import { loadClientTls, thisNode, tlsPaths } from "./client_tls.ts";
import { contentProblem } from "./content.ts";
import { listenCommand } from "./listen_command.ts";
import { type ExecOptions, type OnFailure, parseOnFailure } from "./exec_handler.ts";
import { parseSince } from "./since.ts";
import { sendCommand } from "./send_command.ts";
import { DEFAULT_INTERVAL_S, RING_FLAGS, SEND_FLAGS, TLS_FLAGS } from "./sprog_flags.ts";
import { replyCommand, replyOfCommand, requestCommand, type RequestTarget } from "./request_command.ts";
import { SERVICE_RE } from "./request_format.ts";
import { ID_RE } from "../protocol.ts";
import { listenTarget, resolveTarget } from "./servers.ts";
import { listPositions, removePositions } from "./positions_command.ts";

const HELP = `sprog: sends messages to a zog ring, on an interval or once from cron, and listens.

Usage:
  sprog [--config ring.toml | --server HOST[:PORT] ...] [-i SECONDS] [-r | -s HOST | -T]
        [-n COUNT] [-m TEXT] [--window W] [--timeout SECONDS] [--ack local|quorum] [-q] [--ca CA --cert CRT --key KEY]
  sprog listen [--config ring.toml | --server HOST[:PORT]] [--prefix P] [--since all|SEQ|TIME]
               [--durable NAME | --group NAME [--ack-wait SECONDS]] [--ca CA --cert CRT --key KEY]
               [--exec CMD [--retries N] [--backoff SECONDS] [--on-failure skip|stop|park:FILE]]
  sprog request [--timeout S] [--async] --to SERVICE -m TEXT [--config ring.toml | --server HOST[:PORT] ...]
  sprog reply-of ID [--wait S] [--config ring.toml | --server HOST[:PORT] ...]
  sprog reply --service SERVICE [--durable NAME] [--ack-wait S] [--config ring.toml | --server HOST[:PORT]] -- CMD [ARGS...]
  sprog durable ls [--config ring.toml | --server HOST[:PORT] ...] [--json]
  sprog durable rm NAME [--force] [--config ring.toml | --server HOST[:PORT] ...]
  sprog group ls [--config ring.toml | --server HOST[:PORT] ...] [--json]
  sprog group rm NAME [--force] [--config ring.toml | --server HOST[:PORT] ...]
  sprog completion bash|zsh | sprog man

Sending:
  --config FILE            the ring's ring.toml: its nodes' client ports, and [tls]
  --server HOST[:PORT]     a node's client port (default port 55552); repeatable
  -i, --interval SECONDS   pause between messages (default 10; fractions allowed; 0 = no pause)
  -r, --roundRobin         rotate through the servers (default: a random server each time;
                           what is sent together goes to one); also --round-robin
  -s, --specificHost HOST  send only to HOST (a host, HOST:PORT or a ring.toml node name);
                           also --specific-host
  -T, --testing            the same as -s 127.0.0.1
  -n, --count N            stop after N messages; exit 0 only if all N were acknowledged
  -m, --message TEXT       send TEXT instead of random content; "-m -" sends each line of stdin
  --window W               keep up to W messages unacknowledged (default 1)
  --timeout SECONDS        fail a message not acknowledged by then, retries included (default 10)
  --ack local|quorum       ok once the node (local) or a majority of the ring (quorum) holds
                           each message durably (default: the ring's ack, ring.toml)
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
  --exec CMD               run the shell command CMD for each message, in order, instead of
                           printing it: the content on its stdin, ZOG_ID, ZOG_SEQ, ZOG_ORIGIN
                           in its environment; with --durable or --group a message is
                           acknowledged only once CMD exited 0 (or was given up on)
  --retries N              a failing CMD is run again up to N times (default 3) ...
  --backoff SECONDS        ... after a pause of SECONDS, doubling (default 1, at most 30)
  --on-failure WHAT        then: skip (log it and go on; default), park:FILE (append
                           "TIME SEQ ORIGIN ID REASON CONTENT" to FILE and go on), or stop
                           (exit 1, the message unacknowledged: it comes again next time)
  With --config and no --server it listens to this machine's node (else the first node).

Request/reply (requests and replies are ring messages, logged once on every node):
  sprog request sends TEXT to one responder of SERVICE, prints its reply and exits with the
  responder's exit code; 124 when no reply came within --timeout (default 10; no responder,
  or none answered in time), 125 when the ring did not take the request. --async prints the
  request's id at once; sprog reply-of ID prints its reply later, from any node (waiting up
  to --wait S for it; 124 when there is none).
  sprog reply runs CMD for each request of SERVICE (a work queue: each request goes to one
  responder of the group on that node), the request's text on its stdin and ZOG_ID, ZOG_SEQ,
  ZOG_ORIGIN, ZOG_SERVICE in its environment; its stdout (cut to fit one message) and exit
  code are the reply. --durable NAME names the group (default reply.SERVICE): requests sent
  while no responder runs wait on the node under it. A request whose requester stopped
  waiting is skipped. --ack-wait: a request unanswered this long goes to another responder.

Durable listeners and groups (each node keeps its own; with --config every node is asked):
  sprog durable ls lists each node's durable listeners: position (last seq acknowledged),
  lag (seqs logged past it, and the age in seconds of the first of them), when last seen,
  and whether one is connected; sprog group ls the groups: the same, with their members,
  messages in flight and redeliveries (moved past ack_wait, or from a member that left).
  sprog durable rm NAME and sprog group rm NAME forget NAME's position (it starts anew if it
  comes back); a connected one is refused unless --force, which disconnects it (the
  listener gets "durable NAME was removed by WHO"). Only admins may remove: with client
  certificates, one naming a node of the ring or one of ring.toml's [tls] admins; without,
  a client on a loopback address. Exit 253: no node had NAME, 254: refused, 255: a node
  could not be asked.
  --json                   ls: the rows as JSON
  --force                  rm: also when connected (disconnects it)

TLS (also from ring.toml [tls]; a ring machine uses its node's certificate):
  --ca FILE --cert FILE --key FILE

Examples:
  sprog --config ring.toml                           # one random message every 10 s
  sprog --config ring.toml -n 1 -m "backup done"     # cron form
  sprog --server 127.0.0.11 -i 0 --window 64 -n 20000 # throughput
  tail -f app.log | sprog --config ring.toml -m - -i 0
  sprog listen --server 127.0.0.11 --prefix ALERT
  sprog listen --server 127.0.0.11 --since all --durable audit
  sprog listen --server 127.0.0.11 --group jobs | while read -r seq node id job; do ...; done
  sprog reply --config ring.toml --service uptime -- uptime
  sprog request --config ring.toml --to uptime -m "how long?" --timeout 5`;

const LISTEN_FLAGS = {
  ...TLS_FLAGS,
  config: { type: "string" },
  server: { type: "string" },
  prefix: { type: "string" },
  since: { type: "string" },
  durable: { type: "string" },
  group: { type: "string" },
  "ack-wait": { type: "string" },
  exec: { type: "string" },
  retries: { type: "string" },
  backoff: { type: "string" },
  "on-failure": { type: "string" },
} as const;

const REQUEST_FLAGS = {
  ...RING_FLAGS,
  to: { type: "string" },
  message: { type: "string", short: "m" },
  timeout: { type: "string" },
  async: { type: "boolean" },
} as const;

const REPLY_OF_FLAGS = {
  ...RING_FLAGS,
  wait: { type: "string" },
} as const;

const REPLY_FLAGS = {
  ...RING_FLAGS,
  service: { type: "string" },
  durable: { type: "string" },
  "ack-wait": { type: "string" },
} as const;

const POSITIONS_FLAGS = {
  ...RING_FLAGS,
  json: { type: "boolean" },
  force: { type: "boolean" },
} as const;

const POSITION_COMMANDS = (["durable", "group"] as const).flatMap((kind) =>
  (["ls", "rm"] as const).map((verb) => ({
    kind,
    verb,
    def: defineCommand({
      program: "sprog",
      sub: `${kind} ${verb}`,
      summary:
        verb === "ls"
          ? `list each node's ${kind === "durable" ? "durable listeners" : "groups"}`
          : `remove a ${kind === "durable" ? "durable listener" : "group"} (admins)`,
      help: HELP,
      flags: POSITIONS_FLAGS,
      positionals: verb === "rm",
    }),
  })),
);

const SPROG = defineCommand({
  program: "sprog",
  summary: "sends messages to a zog ring",
  help: HELP,
  flags: SEND_FLAGS,
  values: { ack: ["local", "quorum"] },
});
const LISTEN = defineCommand({
  program: "sprog",
  sub: "listen",
  summary: "print every message a node logs",
  help: HELP,
  flags: LISTEN_FLAGS,
  values: { "on-failure": ["skip", "stop"] },
});
const REQUEST = defineCommand({
  program: "sprog",
  sub: "request",
  summary: "send a request, print its reply",
  help: HELP,
  flags: REQUEST_FLAGS,
});
const REPLY_OF = defineCommand({
  program: "sprog",
  sub: "reply-of",
  summary: "print the reply to an --async request",
  help: HELP,
  flags: REPLY_OF_FLAGS,
  positionals: true,
});
const REPLY = defineCommand({
  program: "sprog",
  sub: "reply",
  summary: "answer a service's requests with a command",
  help: HELP,
  flags: REPLY_FLAGS,
  positionals: true,
});
defineSharedCommands("sprog");

/** Runs `sprog` with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "listen") return await listen(args.slice(1));
  if (args[0] === "request") return await request(args.slice(1));
  if (args[0] === "reply-of") return await replyOf(args.slice(1));
  if (args[0] === "reply") return await reply(args.slice(1));
  if (args[0] === "durable" || args[0] === "group") return await positions(args[0], args.slice(1));
  const shared = runSharedCommand("sprog", args);
  if (shared !== undefined) return shared;
  const parsed = parseCommand(SPROG, args);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const interval = values.interval !== undefined ? parseNumber("--interval", values.interval) : DEFAULT_INTERVAL_S;
  const count = values.count !== undefined ? parseNumber("--count", values.count, { integer: true, min: 1 }) : undefined;
  const window = values.window !== undefined ? parseNumber("--window", values.window, { integer: true, min: 1 }) : 1;
  const timeout = values.timeout !== undefined ? parseNumber("--timeout", values.timeout, { min: 0.1 }) : 10;
  const ack = values.ack;
  if (ack !== undefined && ack !== "local" && ack !== "quorum") throw new UsageError(`--ack "${ack}": "local" or "quorum"`);
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
    ack,
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
    exec: execOptions(values),
  });
}

/** `--exec` and the flags that go with it, or undefined without --exec. */
function execOptions(values: { exec?: string; retries?: string; backoff?: string; "on-failure"?: string }): ExecOptions | undefined {
  if (values.exec === undefined) {
    for (const flag of ["retries", "backoff", "on-failure"] as const)
      if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with --exec CMD`);
    return undefined;
  }
  if (values.exec.trim() === "") throw new UsageError("--exec needs a command");
  let onFailure: OnFailure = { kind: "skip" };
  try {
    if (values["on-failure"] !== undefined) onFailure = parseOnFailure(values["on-failure"]);
  } catch (e) {
    throw new UsageError((e as Error).message, { cause: e });
  }
  return {
    command: values.exec,
    retries: values.retries !== undefined ? parseNumber("--retries", values.retries, { integer: true, min: 0 }) : 3,
    backoffMs: (values.backoff !== undefined ? parseNumber("--backoff", values.backoff, { min: 0 }) : 1) * 1000,
    onFailure,
  };
}

/** The servers to send to and the node to listen to, from --config / --server, and the TLS files. */
async function requestTarget(values: {
  config?: string;
  server?: string[];
  ca?: string;
  cert?: string;
  key?: string;
}): Promise<RequestTarget> {
  const config = values.config !== undefined ? loadRingConfig(values.config) : undefined;
  // With ring.toml, --server names the node to listen to; replies and requests go to any node.
  const { servers } = resolveTarget({ config, servers: config ? undefined : values.server });
  const listenTo = listenTarget(config, values.server?.[0], config ? thisNode(config) : undefined);
  const tls = await loadClientTls(tlsPaths({ ca: values.ca, cert: values.cert, key: values.key }, config));
  return { servers, listenTo, tls };
}

async function request(args: string[]): Promise<number> {
  const parsed = parseCommand(REQUEST, args);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  if (values.to === undefined) throw new UsageError("--to SERVICE is missing: name the service to ask");
  if (!SERVICE_RE.test(values.to)) throw new UsageError(`--to "${values.to}" may hold only letters, digits, ".", "_" and "-" (1-48)`);
  if (values.message === undefined) throw new UsageError("-m TEXT is missing: give the request's text");
  const timeout = values.timeout !== undefined ? parseNumber("--timeout", values.timeout, { min: 0.1 }) : 10;
  const target = await requestTarget(values);
  return await requestCommand({ ...target, to: values.to, text: values.message, timeoutMs: timeout * 1000, async: values.async });
}

async function replyOf(args: string[]): Promise<number> {
  const parsed = parseCommand(REPLY_OF, args);
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const id = positionals[0];
  if (id === undefined || positionals.length > 1) throw new UsageError("give one request id: sprog reply-of ID");
  if (!ID_RE.test(id)) throw new UsageError(`"${id}" is no request id: 1-64 of [A-Za-z0-9._:-]`);
  const wait = values.wait !== undefined ? parseNumber("--wait", values.wait, { min: 0 }) : 0;
  return await replyOfCommand({ ...(await requestTarget(values)), id, waitMs: wait * 1000 });
}

async function reply(args: string[]): Promise<number> {
  const parsed = parseCommand(REPLY, args);
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  if (values.service === undefined) throw new UsageError("--service SERVICE is missing: name the service to answer");
  if (!SERVICE_RE.test(values.service))
    throw new UsageError(`--service "${values.service}" may hold only letters, digits, ".", "_" and "-" (1-48)`);
  if (positionals.length === 0) throw new UsageError("no command: sprog reply --service SERVICE -- CMD [ARGS...]");
  if (values.durable !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(values.durable))
    throw new UsageError(`--durable "${values.durable}" may hold only letters, digits, ".", "_" and "-" (1-64)`);
  const ackWait = values["ack-wait"] !== undefined ? parseNumber("--ack-wait", values["ack-wait"], { min: 0.1 }) : undefined;
  const target = await requestTarget(values);
  return await replyCommand({ ...target, service: values.service, argv: positionals, group: values.durable, ackWait });
}

/** `sprog durable ls|rm` and `sprog group ls|rm`. */
async function positions(kind: "durable" | "group", args: string[]): Promise<number> {
  const command = POSITION_COMMANDS.find((c) => c.kind === kind && c.verb === args[0]);
  if (!command && (args[0] === "--help" || args[0] === "-h")) return parseCommand(POSITION_COMMANDS[0]!.def, args) as number;
  if (!command)
    throw new UsageError(
      `sprog ${kind} takes ls or rm, not ${JSON.stringify(args[0] ?? "nothing")}: sprog ${kind} ls | sprog ${kind} rm NAME`,
    );
  const parsed = parseCommand(command.def, args.slice(1));
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const config = values.config !== undefined ? loadRingConfig(values.config) : undefined;
  const { servers } = values.server ? resolveTarget({ servers: values.server }) : resolveTarget({ config });
  const target = { servers, tls: await loadClientTls(tlsPaths({ ca: values.ca, cert: values.cert, key: values.key }, config)) };
  if (command.verb === "ls") {
    if (values.force) throw new UsageError("--force goes with rm");
    return await listPositions(target, kind, values.json ?? false);
  }
  if (values.json) throw new UsageError("--json goes with ls");
  const name = positionals[0];
  if (name === undefined || positionals.length > 1) throw new UsageError(`give one name: sprog ${kind} rm NAME`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
    throw new UsageError(`${kind} "${name}" may hold only letters, digits, ".", "_" and "-" (1-64)`);
  return await removePositions(target, kind, name, values.force ?? false);
}
