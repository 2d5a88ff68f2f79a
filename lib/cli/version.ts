/**
 * The version, commit and build date baked into each binary at build time
 * (`--define ZOG_VERSION=... --define ZOG_COMMIT=... --define ZOG_BUILD_DATE=...`, set by
 * the Makefile and scripts/dist.sh), as `nomad version` and `nats-server --version` print them.
 *
 * @module
 */
import pkg from "../../package.json" with { type: "json" };

declare const ZOG_VERSION: string | undefined;
declare const ZOG_COMMIT: string | undefined;
declare const ZOG_BUILD_DATE: string | undefined;

/** This build's version, e.g. "0.1.0" or "0.1.0+g1a2b3c4". */
export const VERSION: string = typeof ZOG_VERSION === "string" ? ZOG_VERSION : pkg.version;

/** The git commit this build was made from ("unknown" when run from source, unbuilt). */
export const COMMIT: string = typeof ZOG_COMMIT === "string" && ZOG_COMMIT !== "" ? ZOG_COMMIT : "unknown";

/** When this build was made, UTC ISO 8601 ("unknown" when run from source, unbuilt). */
export const BUILD_DATE: string = typeof ZOG_BUILD_DATE === "string" && ZOG_BUILD_DATE !== "" ? ZOG_BUILD_DATE : "unknown";

/**
 * The line `PROGRAM --version` prints: name, version, commit and build date.
 *
 * @param name the program's name (zog, sprog, zeus, emperor, cf-messages)
 * @returns one line without its newline
 * @example
 * ```ts
 * versionLine("zog"); // "zog 0.1.0+g1a2b3c4 (commit 1a2b3c4d5e6f, built 2026-12-06T04:05:00Z)"
 * ```
 */
export function versionLine(name: string): string {
  return `${name} ${VERSION} (commit ${COMMIT}, built ${BUILD_DATE})`;
}
