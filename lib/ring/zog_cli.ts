/**
 * `zog`: the ring daemon's command line.
 *
 * @module
 */
import { COMMON_FLAGS, handleCommon } from "../cli/common.ts";
import { UsageError } from "../errors.ts";
import { parseFlags } from "../cli/flags.ts";
import { loadRingConfig } from "../config/mod.ts";
import { runCertsCommand } from "../tls/certs_command.ts";

const HELP = `zog: a pzog ring daemon; every message a client hands to any node is logged once on every node.

Usage:
  zog --config ring.toml [--node NAME] [--log-dir DIR] [--stats ADDR:PORT] [--log-level LEVEL]
  zog status [--stats ADDR:PORT] [--json]
  zog certs init DIR | zog certs issue DIR NAME [--host IP_OR_DNS ...]

Examples:
  zog --config /etc/zog/ring.toml                 # the node whose host is this machine
  zog --config ring.toml --node MV --stats 127.0.0.1:9111
  zog certs issue ./pki MV --host 127.0.0.11`;

/** Runs `zog` with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "certs") return await runCertsCommand(args.slice(1));
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
  loadRingConfig(values.config);
  process.stderr.write("zog: the ring daemon is not built yet\n");
  return 1;
}
