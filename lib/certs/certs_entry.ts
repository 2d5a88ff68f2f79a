/**
 * The way into `certs` for the programs: the reflect-metadata polyfill that @peculiar/x509
 * (through tsyringe) needs is loaded, and done, before the certificate code is. Loaded only
 * here, so no other command pays for it; a static `import "reflect-metadata"` at the top of
 * certs.ts is not enough in the compiled binary, whose bundle may run x509's module first.
 *
 * @module
 */

/**
 * Runs `certs ARGS...` (see `runCertsCommand`) after loading the polyfill.
 *
 * @param args the arguments after the word "certs"
 * @returns the exit code
 * @example
 * ```ts
 * process.exitCode = await runCerts(["init", "/etc/zog/tls"]);
 * ```
 */
export async function runCerts(args: string[]): Promise<number> {
  await import("reflect-metadata");
  return await (await import("./certs_command.ts")).runCertsCommand(args);
}

/**
 * Checks a CA (when given), certificate and key file (see `cert_check.ts`), loading
 * @peculiar/x509 and its polyfill only now.
 *
 * @param files the paths, `opts` what the certificate must name, `now` the time of validity
 * @example
 * ```ts
 * const r = await checkCertFiles({ ca: "pki/ca.crt", cert: "pki/MV.crt", key: "pki/MV.key" }, { names: ["127.0.0.11"] }, new Date());
 * ```
 */
export async function checkCertFiles(
  files: import("./cert_check.ts").CertFiles,
  opts: import("./cert_check.ts").CertCheckOptions,
  now: Date,
): Promise<import("./cert_check.ts").CertCheck> {
  await import("reflect-metadata");
  return await (await import("./cert_check.ts")).checkCertFiles(files, opts, now);
}

/**
 * The problems of a {@link checkCertFiles} result as lines, each after where its file was
 * given (a ring.toml line, a flag).
 *
 * @param at the prefix of a problem of each file, e.g. `(key) => "--cert: "`
 * @example
 * ```ts
 * const r = await checkCertFiles({ cert: "zeus.crt", key: "zeus.key" }, {}, new Date());
 * const { errors, warnings } = certProblemLines(r, (key) => `--${key}: `);
 * ```
 */
export function certProblemLines(
  check: import("./cert_check.ts").CertCheck,
  at: (key: import("./cert_check.ts").CertFileKey) => string,
): { errors: string[]; warnings: string[] } {
  return { errors: check.errors.map((e) => at(e.key) + e.reason), warnings: check.warnings.map((w) => at(w.key) + w.reason) };
}
