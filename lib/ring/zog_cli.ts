/**
 * `zog`: the ring daemon's command line.
 *
 * @module
 */
import { hostname, networkInterfaces } from "node:os";
import { COMMON_FLAGS, handleCommon } from "../cli/common.ts";
import { UsageError } from "../errors.ts";
import { parseFlags } from "../cli/flags.ts";
import { loadRingConfig, resolveSelf } from "../config/mod.ts";
import { parseHostPort } from "../tls/endpoint.ts";
import { runDaemon } from "./daemon.ts";
import { DEFAULT_STATS, runStatus } from "./status_cmd.ts";

const HELP = `zog: a pzog ring daemon; every message a client hands to any node is logged once on every node.

Usage:
  zog --config ring.toml [--node NAME] [--log-dir DIR] [--stats ADDR:PORT] [--log-level LEVEL]
  zog status [--stats ADDR:PORT] [--json]
  zog certs init DIR | zog certs issue DIR NAME [--host IP_OR_DNS ...]

Options:
  -c, --config FILE   ring.toml, the same file on every node
  --node NAME         which node this is (default: the node whose host is an address of
                      this machine, or whose name is its hostname)
  --log-dir DIR       log folder instead of ring.toml's log_dir ({node} is substituted)
  --stats ADDR:PORT   serve GET /status (JSON) and /metrics (Prometheus) there;
                      for \`zog status\`, where to ask (default ${DEFAULT_STATS})
  --json              \`zog status\`: print the raw JSON
  --log-level LEVEL   trace, debug, info (default), warning, error, fatal

Signals: SIGTERM/SIGINT stop gracefully (logs flushed); SIGHUP reopens access.log and
error.log (after logrotate moved them).

Examples:
  zog --config /etc/zog/ring.toml                 # the node whose host is this machine
  zog --config ring.toml --node MV --stats 127.0.0.1:9111
  zog status --stats 127.0.0.1:9111
  zog certs issue ./pki MV --host 127.0.0.11`;

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
    throw new UsageError(`--stats: ${(e as Error).message}`);
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
  if (args[0] === "certs") return await (await import("../tls/certs_command.ts")).runCertsCommand(args.slice(1));
  if (args[0] === "status") {
    const { values } = parseFlags(args.slice(1), { ...COMMON_FLAGS, stats: { type: "string" }, json: { type: "boolean" } });
    const done = handleCommon("zog", HELP, values);
    if (done !== undefined) return done;
    const addr = values.stats ?? DEFAULT_STATS;
    statsAddr(addr);
    return await runStatus(addr, values.json ?? false);
  }
  const { values } = parseFlags(args, {
    ...COMMON_FLAGS,
    config: { type: "string", short: "c" },
    node: { type: "string" },
    "log-dir": { type: "string" },
    stats: { type: "string" },
  });
  const done = handleCommon("zog", HELP, values);
  if (done !== undefined) return done;
  if (!values.config) throw new UsageError("--config ring.toml is required");
  const config = loadRingConfig(values.config);
  const self = resolveSelf(config, { ...(values.node ? { node: values.node } : {}), addresses: localAddresses(), hostname: hostname() });
  const daemon = await runDaemon({
    config,
    self,
    ...(values["log-dir"] ? { logDir: values["log-dir"] } : {}),
    ...(values.stats ? { stats: statsAddr(values.stats) } : {}),
  });
  await daemon.stopped;
  return 0;
}
