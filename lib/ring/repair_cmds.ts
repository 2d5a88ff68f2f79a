/**
 * `zog verify` and `zog repair`: checking and mending a node's files while it is stopped
 * (verify also while it runs).
 *
 * @module
 */
import { hostname } from "node:os";
import { defineCommand, parseCommand } from "../cli/mod.ts";
import { loadRingConfig, nodeFiles, type NodeFiles, resolveSelf, type RingConfig, type RingNode } from "../config/mod.ts";
import { EXIT, UsageError } from "../errors.ts";
import { openNode } from "./startup.ts";
import { STAMP_BYTES, verifyNode } from "./verify_cmd.ts";
import { comparePeer, type PeerComparison } from "./verify_peer.ts";
import { fetchFromPeer } from "./peer_fetch.ts";
import { loadClientFiles, parseHostPort } from "../tls/mod.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const NODE_FLAGS = {
  config: { type: "string", short: "c" },
  node: { type: "string" },
  "log-dir": { type: "string" },
  "state-dir": { type: "string" },
} as const;

const VERIFY = defineCommand({
  program: "zog",
  sub: "verify",
  summary: "compare a node's access.log with its checksummed store",
  help: `Usage:
  zog verify --config ring.toml [--node NAME] [--log-dir DIR] [--state-dir DIR] [--repair]
             [--peer HOST:PORT]

Reads the node's access.log and its store (every message under its seq, each with a
checksum) and prints every line that differs from the store, is doubled, is not in the
store, and every message missing from access.log; then a summary. Lines older than the
store keeps (retain) are not checked. Exit 0 when they agree, 1 when something differs.
  --repair   rewrite access.log from the store (lines that were whole are kept as they
             were; the damaged file is kept as access.log.damaged-STAMP). Stop the node
             first: it appends to access.log.
  --peer HOST:PORT
             also compare access.log with the copy a peer holds (its peer port; this
             node's certificate with TLS): every content missing here, or here more
             times than there, one line each. Messages the peer no longer keeps
             (retain) count as not there.`,
  flags: { ...NODE_FLAGS, repair: { type: "boolean" }, peer: { type: "string" } },
});

const REPAIR = defineCommand({
  program: "zog",
  sub: "repair",
  summary: "rebuild a stopped node's store from its journal",
  help: `Usage:
  zog repair --config ring.toml [--node NAME] [--log-dir DIR] [--state-dir DIR]

Sets the node's store aside (store.db.damaged-STAMP and messages.damaged-STAMP, never deleted), makes a new one and
fills it from the journal, as a node does by itself at start when its store cannot be
opened; then checks the journal and access.log as a start would, and exits. Stop the node
first.`,
  flags: NODE_FLAGS,
});

/** The node and its folders from the common flags. */
function nodeOf(values: { config?: string; node?: string; "log-dir"?: string; "state-dir"?: string }, addresses: string[]) {
  if (!values.config) throw new UsageError("--config ring.toml is required");
  const config = loadRingConfig(values.config);
  const self = resolveSelf(config, { ...(values.node ? { node: values.node } : {}), addresses, hostname: hostname() });
  const paths = nodeFiles(config, self, {
    ...(values["log-dir"] ? { logDir: values["log-dir"] } : {}),
    ...(values["state-dir"] ? { stateDir: values["state-dir"] } : {}),
  });
  return { config, self, paths };
}

/** Refuses when the node's peer port is taken on its host: it runs, and owns its files. */
async function mustBeStopped(self: RingNode, what: string): Promise<void> {
  try {
    const l = Bun.listen({ hostname: self.host, port: self.peerPort, socket: { data() {} } });
    l.stop(true);
  } catch (e) {
    if ((e as { code?: string }).code !== "EADDRINUSE") return;
    throw new UsageError(`node ${self.name} is running (${self.host}:${self.peerPort} is taken): stop it before ${what}`, { cause: e });
  }
}

/**
 * Runs `zog verify ARGS`; returns the exit code.
 *
 * @example
 * ```ts
 * await runVerify(["--config", "ring.toml", "--node", "MV"], []);
 * ```
 */
export async function runVerify(args: string[], addresses: string[]): Promise<number> {
  const parsed = parseCommand(VERIFY, args);
  if (typeof parsed === "number") return parsed;
  const { config, self, paths } = nodeOf(parsed.values, addresses);
  if (parsed.values.repair) await mustBeStopped(self, "zog verify --repair rewrites its access.log");
  const report = verifyNode(paths, { repair: parsed.values.repair ?? false });
  for (const line of report.lines) process.stdout.write(`${line}\n`);
  let differs = report.damaged && !report.keptAs;
  if (parsed.values.peer) {
    const cmp = await verifyWithPeer(config, self, paths, parsed.values.peer);
    for (const line of cmp.lines) process.stdout.write(`${line}\n`);
    differs ||= cmp.differs;
  }
  return differs ? EXIT.failure : EXIT.ok;
}

/** `--peer HOST:PORT`: access.log against the copy that peer holds. */
async function verifyWithPeer(config: RingConfig, self: RingNode, paths: NodeFiles, where: string): Promise<PeerComparison> {
  const at = parseHostPort(where, config.nodes[0]?.peerPort);
  const peer = config.nodes.find((n) => n.host === at.host && n.peerPort === at.port);
  if (!peer) throw new UsageError(`--peer ${where}: no node of the ring has that peer address; give a node's host and peer_port`);
  const tls = paths.tls ? await loadClientFiles(paths.tls) : undefined;
  const messages = await fetchFromPeer({ host: at.host, port: at.port, self: self.name, peer, ...(tls ? { tls } : {}), sinceMs: 0 });
  const accessPath = join(paths.logDir, "access.log");
  const lines = existsSync(accessPath) ? readFileSync(accessPath, "utf8").split("\n") : [];
  if (lines.at(-1) === "") lines.pop();
  return comparePeer(
    lines.map((l) => l.slice(STAMP_BYTES)),
    messages,
    peer.name,
  );
}

/**
 * Runs `zog repair ARGS`; returns the exit code.
 *
 * @example
 * ```ts
 * await runRepair(["--config", "ring.toml", "--node", "MV"], []);
 * ```
 */
export async function runRepair(args: string[], addresses: string[]): Promise<number> {
  const parsed = parseCommand(REPAIR, args);
  if (typeof parsed === "number") return parsed;
  const { config, self, paths } = nodeOf(parsed.values, addresses);
  await mustBeStopped(self, "zog repair rebuilds its store");
  repairNode(config, self, paths);
  return EXIT.ok;
}

function repairNode(config: RingConfig, self: RingNode, paths: NodeFiles): void {
  const opened = openNode(config, self, paths, { rebuildStore: true });
  for (const line of opened.damage) process.stdout.write(`${line}\n`);
  for (const line of opened.notes) process.stdout.write(`${line}\n`);
  opened.store.close();
  opened.files.close();
}
