/**
 * Which ring node this process is, and that node's files.
 *
 * @module
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { UsageError } from "../errors.ts";
import type { RingConfig, RingNode } from "./ring_config.ts";

/** What the machine knows about itself, injected so the choice is testable. */
export interface SelfHints {
  /** `--node NAME`, when given. */
  node?: string;
  /** Addresses of this machine's interfaces. */
  addresses: readonly string[];
  hostname: string;
}

/**
 * The nodes whose host is one of this machine's addresses or whose name (or host) is its
 * hostname: one for a ring machine, none for another, several when nodes share a machine.
 *
 * @example
 * ```ts
 * declare const cfg: RingConfig;
 * selfMatches(cfg, { addresses: ["127.0.0.11"], hostname: "x" }).map((n) => n.name); // ["MV"]
 * ```
 */
export function selfMatches(config: RingConfig, hints: Omit<SelfHints, "node">): RingNode[] {
  return config.nodes.filter((n) => hints.addresses.includes(n.host) || n.name === hints.hostname || n.host === hints.hostname);
}

/**
 * Picks this machine's node: `--node` if given, else the one node whose host is one of
 * this machine's addresses or whose name is the hostname.
 *
 * @throws {UsageError} when no node or more than one matches, saying what to pass
 * @example
 * ```ts
 * resolveSelf(cfg, { addresses: ["127.0.0.11"], hostname: "x" }).name; // "MV"
 * ```
 */
export function resolveSelf(config: RingConfig, hints: SelfHints): RingNode {
  const names = config.nodes.map((n) => n.name).join(", ");
  if (hints.node !== undefined) {
    const n = config.nodes.find((x) => x.name === hints.node);
    if (!n) throw new UsageError(`--node "${hints.node}" is not in ${config.file} (nodes: ${names})`);
    return n;
  }
  const matches = selfMatches(config, hints);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new UsageError(
      `no node of ${config.file} has an address of this machine or its hostname "${hints.hostname}": pass --node NAME (one of ${names})`,
    );
  }
  throw new UsageError(`this machine matches several nodes of ${config.file} (${matches.map((n) => n.name).join(", ")}): pass --node NAME`);
}

/** A node's concrete paths: `{node}` substituted, relative paths resolved. */
export interface NodeFiles {
  /** access.log and error.log. */
  logDir: string;
  /** The journal, the store (with the positions). */
  stateDir: string;
  tls?: { ca: string; cert: string; key: string };
}

/**
 * Substitutes `{node}` with the node's name and resolves relative paths against the
 * config file's folder, so one ring.toml works from any working directory.
 *
 * @example
 * ```ts
 * nodeFiles(cfg, cfg.nodes[0]!, { logDir: "/tmp/logs" }).logDir; // "/tmp/logs" (--log-dir wins)
 * ```
 */
export function nodeFiles(config: RingConfig, node: RingNode, overrides: { logDir?: string; stateDir?: string } = {}): NodeFiles {
  const base = dirname(resolve(config.file));
  const path = (template: string) => {
    const p = template.replaceAll("{node}", node.name);
    return isAbsolute(p) ? p : resolve(base, p);
  };
  const dir = (override: string | undefined, template: string) =>
    override !== undefined ? resolve(override.replaceAll("{node}", node.name)) : path(template);
  const logDir = dir(overrides.logDir, config.logDir);
  const stateDir = dir(overrides.stateDir, config.stateDir);
  if (!config.tls) return { logDir, stateDir };
  return { logDir, stateDir, tls: { ca: path(config.tls.ca), cert: path(config.tls.cert), key: path(config.tls.key) } };
}
