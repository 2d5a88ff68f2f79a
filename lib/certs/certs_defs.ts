/**
 * The definitions of `certs init` and `certs issue` (zog and zeus), for help, completion
 * and man pages; kept apart from certs_command.ts so they do not load the X.509 library.
 *
 * @module
 */
import { defineCommand } from "../cli/mod.ts";

/** Registers `PROGRAM certs init` and `PROGRAM certs issue`. */
export function defineCertsCommands(program: string): void {
  defineCommand({
    program,
    sub: "certs init",
    summary: "create a CA (DIR/ca.crt, DIR/ca.key)",
    help: `Usage:
  ${program} certs init DIR [--force]

Creates a CA: DIR/ca.crt and DIR/ca.key (EC P-256, 10 years); --force replaces an existing CA.`,
    flags: { force: { type: "boolean" } },
    positionals: true,
  });
  defineCommand({
    program,
    sub: "certs issue",
    summary: "create NAME.crt and NAME.key signed by the CA of DIR",
    help: `Usage:
  ${program} certs issue DIR NAME [--host IP_OR_DNS ...] [--force]

Creates DIR/NAME.crt and DIR/NAME.key signed by DIR's CA (EC P-256, 2 years, server and
client auth); each --host is added to the certificate's names. --force replaces an existing
NAME.crt and NAME.key (without it, issue refuses to overwrite them).`,
    flags: { host: { type: "string", multiple: true }, force: { type: "boolean" } },
    positionals: true,
  });
}
