/**
 * The `certs` subcommand shared by zeus and zog: `certs init DIR`, `certs issue DIR NAME`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { isIP } from "../net/mod.ts";
import { isDnsName } from "./certs.ts";
import { EXIT } from "../errors.ts";
import { initCaDir, issueCertInDir, validateCertName } from "./certs_dir.ts";

/** The usage text of the `certs` subcommand. */
export const CERTS_USAGE = `usage: certs init DIR [--force]
       certs issue DIR NAME [--host IP_OR_DNS ...] [--force]

  init    create a CA: DIR/ca.crt and DIR/ca.key (EC P-256, 10 years);
          --force replaces an existing CA
  issue   create DIR/NAME.crt and DIR/NAME.key signed by that CA (EC P-256, 2 years,
          server and client auth); each --host is added to the certificate's names;
          --force replaces an existing NAME.crt and NAME.key

exit codes: 0 ok, 1 error, 2 usage error`;

/** Where the command writes; tests capture it. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

const STDIO: CommandIo = {
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
};

/**
 * Runs `certs ARGS...` (ARGS without the word "certs") and returns the exit code:
 * 0 done, 1 runtime error, 2 usage error; one line on stderr for either error.
 *
 * @example
 * ```ts
 * const code = await runCertsCommand(["issue", "/etc/zog/tls", "MV", "--host", "192.168.152.242"]);
 * ```
 */
export async function runCertsCommand(args: string[], io: CommandIo = STDIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        force: { type: "boolean" },
        host: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(CERTS_USAGE);
    return EXIT.ok;
  }
  const [verb, dir, name, ...extra] = positionals;
  const hosts = values.host ?? [];
  try {
    if (verb === "init") {
      if (dir === undefined || name !== undefined) return usageError(io, "init takes exactly one DIR");
      if (hosts.length > 0) return usageError(io, "--host belongs to issue, not init");
      report(io, await initCaDir(dir, { force: values.force === true }));
      return EXIT.ok;
    }
    if (verb === "issue") {
      if (dir === undefined || name === undefined || extra.length > 0) return usageError(io, "issue takes DIR NAME");
      const bad = checkNameAndHosts(name, hosts);
      if (bad) return usageError(io, bad);
      report(io, await issueCertInDir(dir, name, hosts, { force: values.force === true }));
      return EXIT.ok;
    }
    return usageError(io, verb === undefined ? "missing subcommand" : `unknown subcommand "${verb}"`);
  } catch (err) {
    io.err(`certs: ${describe(err)}`);
    return EXIT.failure;
  }
}

function checkNameAndHosts(name: string, hosts: string[]): string | undefined {
  try {
    validateCertName(name);
  } catch (err) {
    return (err as Error).message;
  }
  const bad = hosts.find((h) => isIP(h) === 0 && !isDnsName(h));
  return bad === undefined ? undefined : `--host "${bad}" is neither an IP address nor a DNS name`;
}

function report(io: CommandIo, paths: string[]): void {
  for (const p of paths) io.out(`wrote ${p}`);
}

function usageError(io: CommandIo, message: string): number {
  io.err(`certs: ${message} (certs --help for usage)`);
  return EXIT.usage;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
