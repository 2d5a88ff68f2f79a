/**
 * Running a zog node: files, recovery, both listening ports, links to every peer, the
 * stats endpoint and the signals (TERM/INT stop, HUP reopens the logs). One
 * {@link ZogDaemon} per node lifetime, from {@link ZogDaemon.start} to {@link ZogDaemon.stop}.
 *
 * @module
 */
import type { NodeFiles, RingConfig, RingNode } from "../config/mod.ts";
import { nodeFiles } from "../config/mod.ts";
import { serveStats, type StatsServer } from "../stats/mod.ts";
import { type Console, zogConsole } from "../console/mod.ts";
import { loadClientFiles, loadServerFiles, type TlsClientFiles } from "../tls/mod.ts";
import { getLogger } from "../log/mod.ts";
import { defaultMaxClients } from "../net/mod.ts";
import { Listeners } from "./listeners.ts";
import { keepRetained } from "./listen/retention.ts";
import { dropPagesAgain, dropStartupPagesSoon, PageSettler, trimWhenIdle } from "../proc/mod.ts";
import { RingStore } from "./listen/store.ts";
import { ZogNode } from "./node.ts";
import { type HealthMemory, nodeHealth } from "./node_health.ts";
import { NodePorts, type PortsTls } from "./node_ports.ts";
import { nodeMetrics, nodeStatus } from "./node_status.ts";
import { PeerLink } from "./peer_link.ts";
import type { Recovered } from "./recovery.ts";
import { type Opened, openNode } from "./startup.ts";
import { startPeerRepair } from "./peer_repair.ts";
import { Ticker } from "./ticker.ts";

const log = getLogger("zog", "daemon");

/** Options of {@link runDaemon}. */
export interface DaemonOptions {
  config: RingConfig;
  self: RingNode;
  logDir?: string;
  stateDir?: string;
  /** `--rebuild-journal`: rebuild a missing journal from the store (instead of refusing to start). */
  rebuildJournal?: boolean;
  stats?: { host: string; port: number };
}

/** A running node. */
export interface Daemon {
  node: ZogNode;
  /** Resolves when the daemon has stopped. */
  stopped: Promise<void>;
  stop(): void;
}

/** Reads the TLS files of both ports and of the links this node dials. */
async function loadTls(config: RingConfig, paths: NodeFiles): Promise<{ ports?: PortsTls; dial?: TlsClientFiles }> {
  const tls = paths.tls;
  if (!tls) return {};
  const [peer, client, dial] = await Promise.all([
    loadServerFiles({ ...tls, clientAuth: "required" }),
    loadServerFiles({ ...tls, clientAuth: config.tls!.clientAuth }),
    loadClientFiles(tls),
  ]);
  return { ports: { peer, client }, dial };
}

/**
 * One zog node's lifetime: started by {@link ZogDaemon.start}, running until
 * {@link ZogDaemon.stop} (SIGTERM or SIGINT); SIGHUP calls {@link ZogDaemon.reopenLogs}.
 *
 * @example
 * ```ts
 * const d = await ZogDaemon.start({ config, self });
 * d.stop();
 * await d.stopped;
 * ```
 */
export class ZogDaemon implements Daemon {
  /** Resolves when the daemon has stopped. */
  readonly stopped: Promise<void>;
  #phase: "running" | "stopped" = "running";
  #resolveStopped!: () => void;
  #stats: StatsServer | undefined;
  #ui: Console | undefined;
  #stopRetention: () => void;
  #stopTrimming: () => void = () => {};
  #stopRepair: () => void = () => {};
  /** Drops the executable's pages after one-off work (a failed dial, the catch-up's end) while the node is quiet. */
  #settler: PageSettler | undefined;
  readonly #onSignal = { stop: () => this.stop(), reopen: () => this.reopenLogs() };

  private constructor(
    readonly opts: DaemonOptions,
    readonly paths: NodeFiles,
    readonly node: ZogNode,
    readonly ports: NodePorts,
    readonly store: RingStore,
    readonly rec: Recovered,
    readonly linkTicker: Ticker,
  ) {
    this.stopped = new Promise<void>((r) => (this.#resolveStopped = r));
    this.#stopRetention = keepRetained(store, opts.config.retain);
  }

  /**
   * Starts a node: binds its ports, opens and recovers its files, makes its links, serves
   * its stats, then dials its peers and handles the signals.
   *
   * @throws {Error} when the log folder, TLS files or ports cannot be used
   */
  static async start(opts: DaemonOptions): Promise<ZogDaemon> {
    const { config, self } = opts;
    const paths = nodeFiles(config, self, {
      ...(opts.logDir !== undefined ? { logDir: opts.logDir } : {}),
      ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}),
    });
    const tls = await loadTls(config, paths);
    const ports = await NodePorts.bind(config, self, tls.ports);
    let storage: Opened;
    try {
      storage = openNode(config, self, paths, { rebuild: opts.rebuildJournal ?? false });
    } catch (e) {
      ports.close();
      throw e;
    }
    for (const line of storage.damage) log.warn(line);
    for (const line of storage.notes) log.info(line);
    const keepaliveMs = config.keepalive * 1000;
    // KeepAlives and the dead-link check, while some link has a connection: a node whose peers are all away does not wake for them.
    const linkTicker: Ticker = new Ticker(
      (): void => node.links.forEach((l) => l?.tick()),
      (): boolean => node.links.some((l) => l?.connected),
      Math.min(250, keepaliveMs / 4),
    );
    const activity = (): number => node.counters.received + node.counters.logged;
    const settler = new PageSettler(activity, dropPagesAgain(log, "after one-off work").drop);
    const settle = (): void => settler.soon();
    const linkOpts = { keepaliveMs, ticker: linkTicker, settle, ...(tls.dial ? { tls: tls.dial } : {}) };
    const node: ZogNode = new ZogNode({
      self,
      nodes: config.nodes,
      files: storage.files,
      fsync: config.fsync,
      ack: config.ack,
      recovered: storage.rec,
      listeners: new Listeners(storage.store),
      link: (peer, owner) => new PeerLink(peer, owner, linkOpts),
      admins: {
        clientCerts: config.tls !== undefined && config.tls.clientAuth !== "none",
        names: [...(config.tls?.admins ?? []), ...config.nodes.map((n) => n.name)],
      },
    });
    const daemon = new ZogDaemon(opts, paths, node, ports, storage.store, storage.rec, linkTicker);
    daemon.#settler = settler;
    try {
      daemon.#serveStats();
    } catch (e) {
      daemon.#close();
      throw e;
    }
    daemon.#run();
    daemon.#stopRepair = startPeerRepair({
      node,
      store: storage.store,
      ...(tls.dial ? { tls: tls.dial } : {}),
      ...(storage.catchUp ? { catchUp: storage.catchUp } : {}),
      running: () => daemon.#phase === "running",
      settle,
    });
    return daemon;
  }

  /** Stops: no more connections, links closed, what is pending written and synced, files closed. */
  stop(): void {
    if (this.#phase === "stopped") return;
    this.#phase = "stopped";
    log.info("stopping: flushing logs");
    this.#close();
    process.off("SIGTERM", this.#onSignal.stop);
    process.off("SIGINT", this.#onSignal.stop);
    process.off("SIGHUP", this.#onSignal.reopen);
    this.#resolveStopped();
  }

  /** Reopens access.log and error.log (SIGHUP, after logrotate moved them); a failure is logged. */
  reopenLogs(): void {
    try {
      this.node.reopenLogs();
      log.info("SIGHUP: reopened access.log and error.log");
    } catch (e) {
      log.error("SIGHUP: cannot reopen logs: {error}", { error: (e as Error).message });
    }
  }

  #serveStats(): void {
    const stats = this.opts.stats;
    if (!stats) return;
    const { self } = this.opts;
    const ports = { peer: self.peerPort, client: self.clientPort };
    const health: HealthMemory = { recordErrors: 0 };
    const status = () => nodeStatus(this.node, ports, this.ports.clientPort.status());
    const peers = this.opts.config.nodes.filter((n) => n.index !== self.index);
    const ui = (this.#ui = zogConsole({ status, peers, stats }));
    this.#stats = serveStats(stats.host, stats.port, {
      status,
      metrics: () => nodeMetrics(status()),
      health: () => nodeHealth(status(), health, Date.now()),
      ui: ui.handle,
    });
  }

  /** Lets in the connections waiting for the node, dials the peers, starts the idle trim and takes the signals. */
  #run(): void {
    const node = this.node;
    for (const e of this.rec.pending) node.dispatch(e);
    this.ports.ready(node);
    for (const l of node.links) l?.dialNow();
    process.on("SIGTERM", this.#onSignal.stop);
    process.on("SIGINT", this.#onSignal.stop);
    process.on("SIGHUP", this.#onSignal.reopen);
    // Announced once the signal handlers are in: a SIGINT right after this line is a clean stop.
    this.#announce();
    dropStartupPagesSoon(log);
    this.#stopTrimming = trimWhenIdle(log, () => node.counters.received + node.counters.logged, {
      release: () => this.store.releaseMemory(),
      dropAgain: dropPagesAgain(log),
    });
  }

  /** Everything the node holds, released in order: first what brings work in, then the files. */
  #close(): void {
    this.linkTicker.stop();
    this.#stopTrimming();
    this.#settler?.stop();
    this.#stopRepair();
    this.ports.close();
    this.#ui?.close();
    this.#stats?.stop();
    for (const l of this.node.links) l?.stop();
    this.node.flush();
    this.#stopRetention();
    this.node.listeners.close();
    this.node.files.close();
    this.store.close();
  }

  #announce(): void {
    const { self, config } = this.opts;
    const tls = this.paths.tls !== undefined;
    log.info("node {name} on {host}: peers :{pp}, clients :{cp} ({transport}), logs in {dir}, state in {state} ({n} owed to peers)", {
      name: self.name,
      host: self.host,
      pp: self.peerPort,
      cp: self.clientPort,
      transport: tls ? "mutual TLS" : "plain TCP",
      dir: this.paths.logDir,
      state: this.paths.stateDir,
      n: this.rec.pending.length,
    });
    const clientPort = this.ports.clientPort;
    const lim = clientPort.guard.limits;
    log.info("clients: at most {max} (open-file limit {files}), {listeners} of them listeners; closed after {idle} s silent", {
      max: lim.max,
      files: clientPort.fileLimit ?? "unknown",
      listeners: lim.maxExempt,
      idle: lim.idleMs / 1000,
    });
    const room = defaultMaxClients(clientPort.fileLimit, config.nodes.length - 1);
    if (clientPort.fileLimit !== undefined && lim.max > room) {
      log.warn(
        "max_clients {max} is more than the open-file limit {files} leaves for clients ({room}): raise the limit or expect to run out",
        {
          max: lim.max,
          files: clientPort.fileLimit,
          room,
        },
      );
    }
    if (!tls) {
      log.warn("zog listens on {host} (peers :{pp}, clients :{cp}) without TLS: anyone who reaches these ports can add messages", {
        host: self.host,
        pp: self.peerPort,
        cp: self.clientPort,
      });
    }
  }
}

/**
 * Starts a node and runs it until SIGTERM or SIGINT ({@link ZogDaemon.start}).
 *
 * @throws {Error} when the log folder, TLS files or ports cannot be used
 * @example
 * ```ts
 * const d = await runDaemon({ config, self }); await d.stopped;
 * ```
 */
export function runDaemon(opts: DaemonOptions): Promise<Daemon> {
  return ZogDaemon.start(opts);
}
