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
 * Checks a node's CA, certificate and key files (see `cert_check.ts`), loading
 * @peculiar/x509 and its polyfill only now.
 *
 * @param files the paths, `names` what the certificate must name (one of), `now` the time of validity
 * @example
 * ```ts
 * const r = await checkCertFiles({ ca: "pki/ca.crt", cert: "pki/MV.crt", key: "pki/MV.key" }, ["MV"], new Date());
 * ```
 */
export async function checkCertFiles(
  files: { ca: string; cert: string; key: string },
  names: string[],
  now: Date,
): Promise<import("./cert_check.ts").CertCheck> {
  await import("reflect-metadata");
  return await (await import("./cert_check.ts")).checkCertFiles(files, names, now);
}
