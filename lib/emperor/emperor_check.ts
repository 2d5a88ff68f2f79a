/**
 * `emperor --check`: everything start would refuse, all at once: the vassal files of a
 * directory; under zeus, the TLS files of each `zeus-ssl:` (readable, the key of the
 * certificate, valid, naming the `--node` zeus will check it against; expiry within 30
 * days, or a certificate not signed by `--zeus-ca`, are warnings); and the state dir.
 *
 * @module
 */
import { certProblemLines, checkCertFiles } from "../certs/mod.ts";
import { EXIT, UsageError } from "../errors.ts";
import { folderProblem } from "../fs/mod.ts";
import type { EmperorSpec } from "../tls/mod.ts";
import { checkVassalsDir } from "../vassal/mod.ts";

/** What `emperor --check` looks at, as the flags gave it. */
export interface EmperorCheck {
  specs: EmperorSpec[];
  /** The vassals directory of a `dir` spec (resolved, a glob taken off). */
  vassalsDir(spec: string): string;
  zeusCa?: string | undefined;
  /** The name zeus will see (--node, or the hostname). */
  node: string;
  /** The state dir, and whether --state-dir gave it. */
  stateDir: { dir: string; given: boolean };
}

/**
 * Prints every problem (errors, then `warning: ` lines) on stderr and what is good on
 * stdout; returns 0 when there is no error, else 2.
 *
 * @example
 * ```ts
 * declare const specs: EmperorSpec[];
 * const check = { specs, vassalsDir: (d: string) => d, node: "e1", stateDir: { dir: "/var/lib/emperor", given: false } };
 * process.exitCode = await checkEmperor(check, new Date());
 * ```
 */
export async function checkEmperor(c: EmperorCheck, now: Date): Promise<number> {
  const errors: string[] = [];
  const warnings: string[] = [];
  let code: number = EXIT.ok;
  for (const spec of c.specs) {
    if (spec.kind === "dir") {
      code = Math.max(code, vassalsDir(c, spec.dir, errors));
      continue;
    }
    if (!spec.tls) continue;
    const where = `zeus-ssl:${spec.host}:${spec.port}`;
    const r = await checkCertFiles(
      { ca: c.zeusCa, cert: spec.tls.cert, key: spec.tls.key },
      {
        names: [c.node],
        namesFix: `: zeus refuses it for --node ${c.node} (give the --node it names, or issue one with zeus certs issue DIR ${c.node})`,
        // zeus may trust another CA for its clients than the one that signs its own certificate.
        signedLevel: "warning",
      },
      now,
    );
    const lines = certProblemLines(r, (key) => (key === "ca" ? "--zeus-ca: " : `--emperor ${where}: `));
    errors.push(...lines.errors);
    warnings.push(...lines.warnings);
  }
  const problem = folderProblem(c.stateDir.dir);
  if (problem) errors.push(`${c.stateDir.given ? "--state-dir" : "the default state dir"} ${c.stateDir.dir} ${problem}`);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  for (const e of errors) process.stderr.write(`${e}\n`);
  for (const spec of c.specs)
    if (spec.kind === "zeus") process.stdout.write(`zeus ${spec.host}:${spec.port}: its vassals are checked by zeus --check\n`);
  return errors.length > 0 ? EXIT.usage : code;
}

/** Checks a vassals directory (it prints its own lines); one it cannot read is an error. */
function vassalsDir(c: EmperorCheck, dir: string, errors: string[]): number {
  try {
    return checkVassalsDir(c.vassalsDir(dir));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    errors.push(`--emperor: ${e.message}`);
    return EXIT.usage;
  }
}
