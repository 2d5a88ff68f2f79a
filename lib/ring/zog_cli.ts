/**
 * `zog`: the ring daemon's command line.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { defineCommand, defineSharedCommands, parseCommand, runSharedCommand } from "../cli/mod.ts";
import { ConfigError, EXIT, problemsOf, UsageError } from "../errors.ts";
import { loadRingConfig, nodeFiles, resolveSelf, type RingConfig, type RingNode } from "../config/mod.ts";
import { parseHostPort } from "../tls/mod.ts";
import { defineCertsCommands, runCerts } from "../certs/mod.ts";
import { folderProblems } from "./check_dirs.ts";
import { tlsProblems, tlsStartError } from "./check_tls.ts";
import { runDaemon } from "./daemon.ts";
import { runRepair, runVerify } from "./repair_cmds.ts";
import { runStatus } from "./status_command.ts";
import { DEFAULT_STATS } from "../stats/mod.ts";
import { runWithoutFtl } from "../proc/mod.ts";

const HELP = `zog: a pzog ring daemon; every message a client hands to any node is logged once on every node.

Usage:
  zog --config ring.toml [--node NAME] [--log-dir DIR] [--state-dir DIR] [--stats ADDR:PORT]
      [--log-level LEVEL] [--rebuild-journal]
  zog --check --config ring.toml [--node NAME]
  zog status [--stats ADDR:PORT] [--json]
  zog verify --config ring.toml [--node NAME] [--repair]
  zog repair --config ring.toml [--node NAME]
  zog certs init DIR | zog certs issue DIR NAME [--host IP_OR_DNS ...]
  zog completion bash|zsh | zog man

Options:
  -c, --config FILE   ring.toml, the same file on every node
  --node NAME         which node this is (default: the node whose host is an address of
                      this machine, or whose name is its hostname)
  --log-dir DIR       log folder (access.log, error.log) instead of ring.toml's log_dir
                      ({node} is substituted)
  --state-dir DIR     state folder (journal, store, positions) instead of ring.toml's
                      state_dir ({node} is substituted)
  --rebuild-journal   start although the journal is missing while the store or access.log
                      hold messages: rebuild it from the store (ids seen, duties to peers)
  --stats ADDR:PORT   serve GET /status (JSON) and /metrics (Prometheus) there;
                      for \`zog status\`, where to ask (default ${DEFAULT_STATS.zog})
  --check             validate ring.toml (and, with --node, that node's TLS files and that
                      its log and state folders are writable), print every problem as
                      FILE:LINE: reason, and exit 0 or 2 without starting

Signals: SIGTERM/SIGINT stop gracefully (logs flushed); SIGHUP reopens access.log and
error.log (after logrotate moved them).

Examples:
  zog --config /etc/zog/ring.toml                 # the node whose host is this machine
  zog --config ring.toml --node MV --stats 127.0.0.1:9111
  zog status --stats 127.0.0.1:9111
  zog certs issue ./pki MV --host 127.0.0.11`;

const ZOG = defineCommand({
  program: "zog",
  summary: "the pzog ring daemon",
  help: HELP,
  flags: {
    config: { type: "string", short: "c" },
    node: { type: "string" },
    "log-dir": { type: "string" },
    "state-dir": { type: "string" },
    "rebuild-journal": { type: "boolean" },
    stats: { type: "string" },
    check: { type: "boolean" },
  },
});

const STATUS = defineCommand({
  program: "zog",
  sub: "status",
  summary: "print a node's links and counters from its --stats address",
  help: `Usage:
  zog status [--stats ADDR:PORT] [--json]

Prints the node's links (our link, its inbound link, last keepAlive ack, backlog) and
counters, read from GET /status at the node's --stats address.
  --stats ADDR:PORT   where the node serves --stats (default ${DEFAULT_STATS.zog})
  --json              print the raw JSON`,
  flags: { stats: { type: "string" }, json: { type: "boolean" } },
});

defineCertsCommands("zog");
defineSharedCommands("zog");

function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .map((i) => i?.address ?? "")
    .filter((a) => a !== "");
}

function statsAddr(value: string): { host: string; port: number } {
  try {
    return parseHostPort(value);
  } catch (e) {
    throw new UsageError(`--stats: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Runs `zog` with `args`; returns the exit code.
 *
 * @example
 * ```ts
 * await runMain("zog", main);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const shared = runSharedCommand("zog", args);
  if (shared !== undefined) return shared;
  if (args[0] === "certs") return await runCerts(args.slice(1));
  if (args[0] === "status") {
    const parsed = parseCommand(STATUS, args.slice(1));
    if (typeof parsed === "number") return parsed;
    const addr = parsed.values.stats ?? DEFAULT_STATS.zog;
    statsAddr(addr);
    return await runStatus(addr, parsed.values.json ?? false);
  }
  if (args[0] === "verify") return await runVerify(args.slice(1), localAddresses());
  if (args[0] === "repair") return await runRepair(args.slice(1), localAddresses());
  const parsed = parseCommand(ZOG, args);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  if (!values.config) throw new UsageError("--config ring.toml is required");
  const dirs = {
    ...(values["log-dir"] ? { logDir: values["log-dir"] } : {}),
    ...(values["state-dir"] ? { stateDir: values["state-dir"] } : {}),
  };
  if (values.check) return await checkConfig(values.config, values.node, dirs);
  // Before anything is opened: the daemon runs without FTL (lib/proc/jit_tier.ts says why).
  runWithoutFtl();
  const config = loadRingConfig(values.config);
  const self = resolveSelf(config, { ...(values.node ? { node: values.node } : {}), addresses: localAddresses(), hostname: hostname() });
  let daemon;
  try {
    daemon = await runDaemon({
      config,
      self,
      ...dirs,
      ...(values["rebuild-journal"] ? { rebuildJournal: true } : {}),
      ...(values.stats ? { stats: statsAddr(values.stats) } : {}),
    });
  } catch (e) {
    // A TLS file it cannot use: say every problem --check finds, at its line of ring.toml.
    throw await tlsStartError(e, config, nodeFiles(config, self, dirs).tls, self);
  }
  await daemon.stopped;
  return EXIT.ok;
}

/**
 * `zog --check`: every problem of ring.toml on stderr as `FILE:LINE: reason` and exit 2;
 * once it is good, for the node (--node, or the one this machine is), its log and state
 * folders checked for writing and its TLS files checked (readable, key of the certificate,
 * naming the node, signed by the CA, valid; expiring within 30 days is a warning).
 */
async function checkConfig(file: string, node: string | undefined, dirs: { logDir?: string; stateDir?: string }): Promise<number> {
  let config: RingConfig;
  try {
    config = loadRingConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of problemsOf(e)) process.stderr.write(`${p.message}\n`);
    return EXIT.usage;
  }
  const self = thisNode(config, node);
  if (self) {
    const text = readFileSync(config.file, "utf8");
    const files = nodeFiles(config, self, dirs);
    const problems = folderProblems(config.file, text, files, dirs);
    if (files.tls) {
      const tls = await tlsProblems(config.file, text, files.tls, self, new Date());
      problems.push(...tls.errors.map((e) => e.message));
      for (const w of tls.warnings) process.stderr.write(`warning: ${w.message}\n`);
    }
    for (const p of problems) process.stderr.write(`${p}\n`);
    if (problems.length > 0) return EXIT.usage;
  }
  process.stdout.write(`${config.file}: ok (${config.nodes.length} nodes: ${config.nodes.map((n) => n.name).join(", ")})\n`);
  return EXIT.ok;
}

/** The node --check looks at: --node, or the one this machine is (none when it is none of them). */
function thisNode(config: RingConfig, node: string | undefined): RingNode | undefined {
  if (node !== undefined) return resolveSelf(config, { node, addresses: [], hostname: "" });
  try {
    return resolveSelf(config, { addresses: localAddresses(), hostname: hostname() });
  } catch (e) {
    if (e instanceof UsageError) return undefined;
    throw e;
  }
}
