/**
 * `zeus`: the coordinator's command line.
 *
 * @module
 */
import { COMMON_FLAGS, handleCommon } from "../cli/common.ts";
import { parseFlags } from "../cli/flags.ts";
import { runCertsCommand } from "../tls/certs_command.ts";

const HELP = `zeus: hands the vassal configs of a directory out to the emperors connected to it.

Usage:
  zeus --zeus "ADDR:PORT[,CRT,KEY[,CLIENTS_PEM]] VASSALS_DIR"
  zeus --listen ADDR:PORT --vassals DIR [--cert CRT --key KEY [--client-ca PEM]]
       [--state FILE] [--restore] [--dead-after SECONDS] [--stats ADDR:PORT]
  zeus status [--stats ADDR:PORT] [--json]
  zeus certs init DIR | zeus certs issue DIR NAME [--host IP_OR_DNS ...]

Examples:
  zeus --zeus "0.0.0.0:4040,zeus.crt,zeus.key,ca.crt /etc/uwsgi/vassals"
  zeus certs init ./pki && zeus certs issue ./pki zeus --host 10.0.0.1`;

/** Runs `zeus` with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "certs") return await runCertsCommand(args.slice(1));
  const { values } = parseFlags(args, { ...COMMON_FLAGS });
  const done = handleCommon("zeus", HELP, values);
  if (done !== undefined) return done;
  process.stderr.write("zeus: the coordinator is not built yet\n");
  return 1;
}
