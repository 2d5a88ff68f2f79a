/**
 * `sprog`: the ring client's command line.
 *
 * @module
 */
import { COMMON_FLAGS, handleCommon } from "../cli/common.ts";
import { parseFlags } from "../cli/flags.ts";

const HELP = `sprog: sends messages to a zog ring, on an interval or once from cron, and listens.

Usage:
  sprog [--config ring.toml | --server HOST[:PORT] ...] [-i SECONDS] [-r | -s HOST | -T]
        [-n COUNT] [-m TEXT] [--window W]
  sprog listen [--server HOST[:PORT]] [--prefix P]

Examples:
  sprog --config ring.toml                  # one random message every 10 s
  sprog --config ring.toml -n 1 -m "backup done"   # cron form`;

/** Runs `sprog` with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...COMMON_FLAGS });
  const done = handleCommon("sprog", HELP, values);
  if (done !== undefined) return done;
  process.stderr.write("sprog: the ring client is not built yet\n");
  return 1;
}
