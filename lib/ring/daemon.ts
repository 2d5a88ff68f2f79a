/**
 * Running a zog node: files, recovery, both listening ports, links to every peer, the
 * stats endpoint and the signals (TERM/INT stop, HUP reopens the logs).
 *
 * @module
 */
import type { RingConfig, RingNode } from "../config/mod.ts";
import { nodeFiles } from "../config/mod.ts";
import { listen, type Listener } from "../net/mod.ts";
import { serveStats, type StatsServer } from "../stats/mod.ts";
import { type Console, zogConsole } from "../console/zog_console.ts";
import { loadClientFiles, loadServerFiles } from "../tls/files.ts";
import { getLogger } from "../log/logging.ts";
import { refusalLogger } from "../log/rate_limit.ts";
import { defaultMaxClients } from "../net/fd_budget.ts";
import { Strangers } from "../net/strangers.ts";
import { ClientPort } from "./client_port.ts";
import { ringBytes, RingType } from "./protocol.ts";
import { servePeer } from "./inbound.ts";
import { serveClientPort } from "./text_client.ts";
import { Listeners } from "./listeners.ts";
import { keepRetained } from "./listen/retention.ts";
import { dropStartupPagesSoon, trimWhenIdle } from "../proc/startup_pages.ts";
import { ZogNode } from "./node.ts";
import { type HealthMemory, nodeHealth } from "./node_health.ts";
import { nodeMetrics, nodeStatus } from "./node_status.ts";
import { PeerLink } from "./peer_link.ts";
import { type Opened, openNode } from "./startup.ts";

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
  const paths = nodeFiles(config, self, {
    ...(opts.logDir !== undefined ? { logDir: opts.logDir } : {}),
    ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}),
  });
  const keepaliveMs = config.keepalive * 1000;
  const tls = paths.tls;
  const [peerServer, clientServer, dialTls] = tls
    ? await Promise.all([
        loadServerFiles({ ...tls, clientAuth: "required" }),
        loadServerFiles({ ...tls, clientAuth: config.tls!.clientAuth }),
        loadClientFiles(tls),
      ])
    : [undefined, undefined, undefined];
  // The ports are bound before the log folder is touched, so a second process for the
  // same node fails on EADDRINUSE without writing to the first one's files. Connections
  // accepted before the node is ready wait for it (their bytes are buffered).
  let node: ZogNode | undefined;
  const early: (() => void)[] = [];
  const whenReady = (f: () => void) => (node ? f() : early.push(f));
  const listeners: Listener[] = [];
  const clientPort = new ClientPort(config, config.nodes.length - 1);
  // Before HELLO a connection to the peer port is anyone's: room for every peer's redials.
  const peerStrangers = new Strangers({
    log,
    max: 4 * config.nodes.length + 16,
    refuse: (c, reason) => {
      c.write(ringBytes(RingType.ERROR, { reason }));
      c.close();
    },
  });
  let statsServer: StatsServer | undefined;
  let ui: Console | undefined;
  let opened: Opened;
  try {
    listeners.push(
      await listen({
        host: self.host,
        port: self.peerPort,
        ...(peerServer ? { tls: peerServer, onRefused: refusalLogger((m, p) => log.warn(m, p), "peer") } : {}),
        onConn: (c) =>
          peerStrangers.admit(c) && whenReady(() => servePeer(node!, c, { tls: !!tls, keepaliveMs, strangers: peerStrangers })),
      }),
    );
    listeners.push(
      await listen({
        host: self.host,
        port: self.clientPort,
        ...(clientServer ? { tls: clientServer, onRefused: refusalLogger((m, p) => log.warn(m, p), "client") } : {}),
        onConn: (c) => clientPort.admit(c) && whenReady(() => serveClientPort(node!, c, clientPort.guard)),
      }),
    );
    opened = openNode(config, self, paths, { rebuild: opts.rebuildJournal ?? false });
  } catch (e) {
    for (const l of listeners) l.close();
    throw e;
  }
  const { files, store, rec } = opened;
  for (const line of opened.damage) log.warn(line);
  for (const line of opened.notes) log.info(line);
  const ready = new ZogNode(self, config.nodes, files, config.fsync, rec);
  ready.listeners = new Listeners(store);
  const stopRetention = keepRetained(store, config.retain);
  ready.links = config.nodes.map((n) =>
    n.index === self.index ? undefined : new PeerLink(n, ready, { keepaliveMs, ...(dialTls ? { tls: dialTls } : {}) }),
  );
  for (const e of rec.pending) ready.dispatch(e);
  node = ready;
  for (const f of early.splice(0)) f();
  if (opts.stats) {
    const ports = { peer: self.peerPort, client: self.clientPort };
    const health: HealthMemory = { recordErrors: 0 };
    const status = () => nodeStatus(ready, ports, clientPort.status());
    const peers = config.nodes.filter((n) => n.index !== self.index);
    ui = zogConsole({ status, peers, stats: opts.stats });
    try {
      statsServer = serveStats(opts.stats.host, opts.stats.port, {
        status,
        metrics: () => nodeMetrics(status()),
        health: () => nodeHealth(status(), health, Date.now()),
        ui: ui.handle,
      });
    } catch (e) {
      for (const l of listeners) l.close();
      stopRetention();
      files.close();
      store.close();
      throw e;
    }
  }
  const logs = files;
  const db = store;
  for (const l of ready.links) l?.dialNow();
  const ticker = setInterval(() => ready.links.forEach((l) => l?.tick()), Math.min(250, keepaliveMs / 4));
  const clientTicker = setInterval(() => {
    clientPort.tick();
    peerStrangers.tick();
  }, 1000);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping = false;
  let stopTrimming = () => {};
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log.info("stopping: flushing logs");
    clearInterval(ticker);
    stopTrimming();
    clearInterval(clientTicker);
    for (const l of listeners) l.close();
    ui?.close();
    statsServer?.stop();
    for (const l of ready.links) l?.stop();
    ready.flush();
    stopRetention();
    ready.listeners.close();
    logs.close();
    db.close();
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    process.off("SIGHUP", reopen);
    resolveStopped();
  };
  const reopen = () => {
    try {
      ready.reopenLogs();
      log.info("SIGHUP: reopened access.log and error.log");
    } catch (e) {
      log.error("SIGHUP: cannot reopen logs: {error}", { error: (e as Error).message });
    }
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("SIGHUP", reopen);
  // Announced once the signal handlers are in: a SIGINT right after this line is a clean stop.
  log.info("node {name} on {host}: peers :{pp}, clients :{cp} ({transport}), logs in {dir}, state in {state} ({n} owed to peers)", {
    name: self.name,
    host: self.host,
    pp: self.peerPort,
    cp: self.clientPort,
    transport: tls ? "mutual TLS" : "plain TCP",
    dir: paths.logDir,
    state: paths.stateDir,
    n: rec.pending.length,
  });
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
  dropStartupPagesSoon(log);
  stopTrimming = trimWhenIdle(log, () => ready.counters.received + ready.counters.logged);
  return { node: ready, stopped, stop };
}
