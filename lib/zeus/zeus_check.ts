/**
 * `zeus --check`: everything start would refuse, all at once: the vassal files, the TLS
 * files (readable, the key of the certificate, valid; expiry within 30 days, a certificate
 * not naming the address it listens on, or not signed by the client CA, are warnings), the
 * folder of `--state FILE`, and the vassals directory.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { certProblemLines, checkCertFiles } from "../certs/mod.ts";
import { EXIT, UsageError } from "../errors.ts";
import { isEtcdUrl } from "../etcd/mod.ts";
import { folderProblem } from "../fs/mod.ts";
import { checkVassalsDir } from "../vassal/mod.ts";

/** What `zeus --check` looks at, as the flags gave it. */
export interface ZeusCheck {
  vassalsDir: string;
  /** The address it listens on ("" with --check --vassals alone). */
  host: string;
  tls?: { cert: string; key: string; clientCa?: string };
  /** Given as `--zeus SPEC` (problems name that flag), else as --cert/--key/--client-ca. */
  spec: boolean;
  /** --state FILE or etcd://... */
  state?: string;
}

/** A wildcard listen address names no host a certificate could name. */
const WILDCARD = new Set(["0.0.0.0", "::", ""]);

/**
 * Prints every problem (errors, then `warning: ` lines) on stderr; returns 0 when there is
 * no error, else 2.
 *
 * @example
 * ```ts
 * process.exitCode = await checkZeus({ vassalsDir: "/etc/vassals", host: "10.0.0.1", spec: false, tls: { cert: "zeus.crt", key: "zeus.key" } }, new Date());
 * ```
 */
export async function checkZeus(c: ZeusCheck, now: Date): Promise<number> {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (c.tls) {
    const r = await checkCertFiles(
      { cert: c.tls.cert, key: c.tls.key, ca: c.tls.clientCa },
      {
        ...(WILDCARD.has(c.host) ? {} : { names: [c.host] }),
        namesFix: `: emperors dialling ${c.host} refuse it (issue one with zeus certs issue DIR zeus --host ${c.host})`,
        // Emperors may dial another name of this address: start does not refuse it.
        namesLevel: "warning",
        signedLevel: "warning",
      },
      now,
    );
    const flag = { ca: "--client-ca", cert: "--cert", key: "--key" } as const;
    const lines = certProblemLines(r, (key) => `${c.spec ? "--zeus" : flag[key]}: `);
    errors.push(...lines.errors);
    warnings.push(...lines.warnings);
  }
  if (c.state && !isEtcdUrl(c.state)) {
    const dir = dirname(resolve(c.state));
    const problem = folderProblem(dir);
    if (problem) errors.push(`--state ${c.state}: its folder: ${problem}`);
  }
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  for (const e of errors) process.stderr.write(`${e}\n`);
  let code: number = errors.length > 0 ? EXIT.usage : EXIT.ok;
  if (isEtcdUrl(c.vassalsDir)) return code;
  try {
    code = Math.max(code, checkVassalsDir(c.vassalsDir));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`--vassals: ${e.message}\n`);
    code = EXIT.usage;
  }
  return code;
}
