/**
 * `emperor`: the vassal supervisor's command line.
 *
 * @module
 */
import { COMMON_FLAGS, handleCommon } from "../cli/common.ts";
import { parseFlags } from "../cli/flags.ts";

const HELP = `emperor: runs vassals (uWSGI apps or any command) and keeps them alive.

Usage:
  emperor --emperor zeus:HOST:PORT | zeus-ssl:HOST:PORT[,CRT,KEY] [--zeus-ca CA]
          [--node NAME] [--max-vassals N] [--state-dir DIR] [--heartbeat SECONDS]
          [--vassal-binary PATH] [--stats ADDR:PORT]
  emperor --emperor DIR [...]

Examples:
  emperor --emperor /etc/uwsgi/vassals --state-dir /var/lib/emperor
  emperor --emperor zeus-ssl:10.0.0.1:4040,node1.key --zeus-ca ca.crt`;

/** Runs `emperor` with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...COMMON_FLAGS });
  const done = handleCommon("emperor", HELP, values);
  if (done !== undefined) return done;
  process.stderr.write("emperor: the supervisor is not built yet\n");
  return 1;
}
