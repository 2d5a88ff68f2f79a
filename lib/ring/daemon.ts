/**
 * Running a zog node: files, recovery, both listening ports, links to every peer, the
 * stats endpoint and the signals (TERM/INT stop, HUP reopens the logs).
 *
 * @module
 */
import type { RingConfig, RingNode } from "../config/mod.ts";
import { nodeFiles } from "../config/mod.ts";
import { listen, type Listener } from "../net/conn.ts";
import { serveStats, type StatsServer } from "../stats/mod.ts";
import { loadClientFiles, loadServerFiles } from "../tls/files.ts";
import { getLogger } from "../log/logging.ts";
import { servePeer, serveClient } from "./inbound.ts";
import { LogFiles } from "./log_files.ts";
import { ZogNode } from "./node.ts";
import { nodeMetrics, nodeStatus } from "./node_status.ts";
import { PeerLink } from "./peer_link.ts";
import { recover } from "./recovery.ts";

const log = getLogger("zog", "daemon");

/** Options of {@link runDaemon}. */
export interface DaemonOptions {
  config: RingConfig;
  self: RingNode;
  logDir?: string;
  stats?: { host: string; port: number };
}

/** A running node. */
export interface Daemon {
  node: ZogNode;
  /** Resolves when the daemon has stopped. */
  stopped: Promise<void>;
  stop(): void;
}

/**
 * Starts a node and runs it until SIGTERM or SIGINT.
 *
 * @throws {Error} when the log folder, TLS files or ports cannot be used
 * @example
 * ```ts
 * const d = await runDaemon({ config, self }); await d.stopped;
 * ```
 */
export async function runDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { config, self } = opts;
  const paths = nodeFiles(config, self, opts.logDir);
  const files = new LogFiles(paths.logDir);
  const rec = recover(files);
  if (rec.skipped > 0) log.warn("journal: skipped {n} torn lines", { n: rec.skipped });
  if (rec.repaired > 0) log.info("access.log: appended {n} journalled messages a crash had kept out", { n: rec.repaired });
  const node = new ZogNode(self, config.nodes, files, config.fsync, rec);
  const keepaliveMs = config.keepalive * 1000;
  const tls = paths.tls;
  const [peerServer, clientServer, dialTls] = tls
    ? await Promise.all([
        loadServerFiles({ ...tls, clientAuth: "required" }),
        loadServerFiles({ ...tls, clientAuth: config.tls!.clientAuth }),
        loadClientFiles(tls),
      ])
    : [undefined, undefined, undefined];
  node.links = config.nodes.map((n) =>
    n.index === self.index ? undefined : new PeerLink(n, node, { keepaliveMs, ...(dialTls ? { tls: dialTls } : {}) }),
  );
  for (const e of rec.pending) node.dispatch(e);
  const listeners: Listener[] = [];
  let statsServer: StatsServer | undefined;
  try {
    listeners.push(
      await listen({
        host: self.host,
        port: self.peerPort,
        ...(peerServer ? { tls: peerServer } : {}),
        onConn: (c) => servePeer(node, c, { tls: !!tls, keepaliveMs }),
      }),
    );
    listeners.push(
      await listen({
        host: self.host,
        port: self.clientPort,
        ...(clientServer ? { tls: clientServer } : {}),
        onConn: (c) => serveClient(node, c),
      }),
    );
    if (opts.stats) {
      const ports = { peer: self.peerPort, client: self.clientPort };
      statsServer = serveStats(opts.stats.host, opts.stats.port, {
        status: () => nodeStatus(node, ports),
        metrics: () => nodeMetrics(nodeStatus(node, ports)),
      });
    }
  } catch (e) {
    for (const l of listeners) l.close();
    throw e;
  }
  log.info("node {name} on {host}: peers :{pp}, clients :{cp} ({transport}), logs in {dir} ({n} owed to peers)", {
    name: self.name,
    host: self.host,
    pp: self.peerPort,
    cp: self.clientPort,
    transport: tls ? "mutual TLS" : "plain TCP",
    dir: paths.logDir,
    n: rec.pending.length,
  });
  for (const l of node.links) l?.dialNow();
  const ticker = setInterval(() => node.links.forEach((l) => l?.tick()), Math.min(250, keepaliveMs / 4));

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log.info("stopping: flushing logs");
    clearInterval(ticker);
    for (const l of listeners) l.close();
    statsServer?.stop();
    for (const l of node.links) l?.stop();
    node.flush();
    files.close();
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    process.off("SIGHUP", reopen);
    resolveStopped();
  };
  const reopen = () => {
    try {
      files.reopen();
      log.info("SIGHUP: reopened access.log and error.log");
    } catch (e) {
      log.error("SIGHUP: cannot reopen logs: {error}", { error: (e as Error).message });
    }
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("SIGHUP", reopen);
  return { node, stopped, stop };
}
