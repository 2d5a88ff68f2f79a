/**
 * The version baked into each binary at build time (`--define ZOG_VERSION=...`).
 *
 * @module
 */
import pkg from "../../package.json" with { type: "json" };

declare const ZOG_VERSION: string | undefined;

/** This build's version, e.g. "0.1.0" or "0.1.0+g1a2b3c4". */
export const VERSION: string = typeof ZOG_VERSION === "string" ? ZOG_VERSION : pkg.version;
