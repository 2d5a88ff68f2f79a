/**
 * The zeus daemon: listens for emperors, watches the vassals directory, drives the
 * {@link Coordinator} while it leads, saves its state and serves stats.
 *
 * A single zeus always leads. Several zeus sharing an etcd state ({@link HaLeadership})
 * lead one at a time: each term of leadership starts a fresh coordinator from the saved
 * state, as `--restore` does, and ends by closing every emperor connection; a standby
 * answers emperors with NOT_LEADER naming the leader.
 *
 * @module
 */
import { getLogger } from "../log/logging.ts";
import { refusalLogger } from "../log/rate_limit.ts";
import { type Conn, listen } from "../net/mod.ts";
import { Strangers } from "../net/strangers.ts";
import { encodePacket, type Packet, PacketDecoder, ZEUS_MODIFIER1 } from "../packet/mod.ts";
import { serveStats, type StatsServer } from "../stats/mod.ts";
import type { HostPort } from "../tls/endpoint.ts";
import type { TlsServerFiles } from "../tls/files.ts";
import { adminVerdict } from "../admin/auth.ts";
import { ADMIN, decodeAdminFrame, encodeAdminFrame, isAdminType } from "../admin/frames.ts";
import { AdminHub } from "../admin/hub.ts";
import { PacketError, ProtocolError } from "../errors.ts";
import { decodeMessage, encodeMessage, sha256Hex, type ZeusMessage } from "../zeus_protocol/mod.ts";
import { leaderOnly, locateVassal, ZEUS_ADMIN_COMMANDS } from "./admin_commands.ts";
import type { ZeusAdminContext } from "./admin_context.ts";
import { StreamRelay } from "../exec/relay.ts";
import { Coordinator, type CoordinatorIO } from "./coordinator.ts";
import type { HaLeadership } from "./ha.ts";
import type { ZeusState } from "./state_file.ts";
import type { StateStore } from "./state_store.ts";
import { StateSaver } from "./state_saver.ts";
import type { VassalSource } from "./vassal_source.ts";
import type { DirChanges } from "../watch/snapshot.ts";
import { zeusMetrics, zeusStatus } from "./zeus_status.ts";
import { ZeusConsole } from "../console/zeus_console.ts";

const log = getLogger("zeus", "server");

export { VASSAL_FILE } from "./vassal_source.ts";

/** Options of {@link startZeus}. */
export interface ZeusOptions extends HostPort {
  /** Where the vassal configs are: a directory ({@link dirSource}) or an etcd prefix. */
  vassals: VassalSource;
  tls?: TlsServerFiles;
  /** Where the state is saved on every change (a file, or etcd with `ha`). */
  store?: StateStore;
  /** Load the saved state and keep what reconnecting emperors report. */
  restore?: boolean;
  /** Several zeus: leadership through etcd (the state is then always restored). */
  ha?: HaLeadership;
  deadAfterMs: number;
  /** An unanswered placement is a rejection after this long (default 60 s). */
  placeTimeoutMs?: number;
  /** Quick deaths (or restarts for a failing check) in a row after which a copy moves elsewhere (default 3). */
  rescheduleAfter?: number;
  stats?: HostPort;
  /** Certificate names that are admin clients (`--admin NAME`); see lib/admin/auth.ts. */
  admins?: string[];
}

/** A running zeus. */
export interface ZeusServer {
  port: number;
  statsPort?: number;
  /** The coordinator of the current term (an idle one while a standby). */
  readonly core: Coordinator;
  /** Rescans the vassals directory now (SIGHUP). */
  rescan(): void;
  /** Stops listening and watching; emperors keep their vassals and redial. */
  stop(): Promise<void>;
}

/**
 * Starts zeus.
 *
 * @throws {Error} when the port cannot be bound, the directory cannot be read or the state is bad
 * @example
 * ```ts
 * const z = await startZeus({ host: "127.0.0.1", port: 4040, vassalsDir: "/etc/vassals", deadAfterMs: 5000 });
 * ```
 */
export async function startZeus(opts: ZeusOptions): Promise<ZeusServer> {
  const store = opts.store;
  const ha = opts.ha;
  const fileState = !ha && opts.restore && store ? await store.load() : undefined;
  if (!ha && opts.restore && !fileState) log.warn("--restore: no state at {path}; starting afresh", { path: store?.where });
  const conns = new Map<number, Conn>();
  const canAct = (): boolean => !ha || ha.canAct();
  // Once stopping, the connections closing are not emperors lost: the state keeps their assignments.
  let stopped = false;
  const saver = store && new StateSaver(store, () => core.snapshot(), { mayWrite: canAct, refused: (why) => ha?.stepDown(why) });
  const write = (conn: number, m: ZeusMessage): void => void conns.get(conn)?.write(encodePacket(encodeMessage(m)));
  const io: CoordinatorIO = {
    now: () => Date.now(),
    // Every action goes through here: a leader that cannot prove its lease sends nothing.
    send: (conn, m) => {
      if (canAct()) write(conn, m);
    },
    close: (conn, reason) => {
      log.info("closing connection {conn}: {reason}", { conn, reason });
      conns.get(conn)?.close();
      conns.delete(conn);
    },
    changed: () => {
      saver?.queue();
      ui.poke();
    },
  };
  const coordinatorOptions = (restored: boolean) => ({
    deadAfterMs: opts.deadAfterMs,
    // Without a restore, a short settle (the emperors' longest redial delay, 2 s, plus a
    // margin) still lets emperors that were redialling report what they run before
    // anything new is started. A takeover also waits for emperors leaving the old leader.
    settleMs: restored ? opts.deadAfterMs + (ha ? 2000 : 0) : Math.min(2500, opts.deadAfterMs),
    maxRejections: 3,
    ...(opts.placeTimeoutMs ? { placeTimeoutMs: opts.placeTimeoutMs } : {}),
    ...(opts.rescheduleAfter ? { rescheduleAfter: opts.rescheduleAfter } : {}),
  });
  const idle = new Coordinator(io, { ...coordinatorOptions(false), settleMs: 0 });
  let core = idle;
  let leading = false;

  const source = opts.vassals;
  const read = (name: string): Uint8Array | undefined => source.read(name);
  /** Each vassal file's sha256, for comparing the vassal set between several zeus. */
  const digests = new Map<string, string>();
  const onChange = (c: DirChanges): void => {
    if (ha) {
      for (const name of [...c.added, ...c.changed]) digests.set(name, sha256Hex(read(name) ?? new Uint8Array()));
      for (const name of c.removed) digests.delete(name);
      ha.vassalSetChanged(digests);
    }
    if (!leading || !canAct()) return;
    for (const name of [...c.added, ...c.changed]) {
      const body = read(name);
      if (body) core.fileSet(name, body);
    }
    for (const name of c.touched) core.fileTouched(name);
    for (const name of c.removed) core.fileRemoved(name);
  };

  /** A term of leadership: a coordinator restored from the saved state, fed the vassal files. */
  const beginTerm = (state: ZeusState | undefined): void => {
    core = new Coordinator(io, coordinatorOptions(state !== undefined));
    if (state) {
      core.restore(state);
      log.info("restored {v} vassals on {e} emperors from {path}; waiting {s} s for emperors", {
        v: state.vassals.length,
        e: state.emperors.length,
        path: store?.where,
        s: core.opts.settleMs / 1000,
      });
    }
    leading = true;
    for (const name of [...source.names()]) {
      const body = read(name);
      if (body) core.fileSet(name, body);
    }
    // Vassals of the saved state whose config went away meanwhile.
    for (const name of [...core.vassals.keys()]) if (!source.has(name)) core.fileRemoved(name);
  };
  const endTerm = (): void => {
    leading = false;
    core = idle;
    const leader = ha?.leaderAddress() ?? "";
    for (const [id, conn] of conns) {
      write(id, { type: "NOT_LEADER", leader });
      conn.close();
    }
    conns.clear();
  };

  if (store && !ha) {
    // Fail at start, not at the first change, when the state cannot be written.
    try {
      await store.save(fileState ?? idle.snapshot());
    } catch (e) {
      throw new Error(`cannot write state file ${store.where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  await source.start(onChange);
  ha?.vassalSetChanged(digests); // an empty set reports no change, and is a set too
  if (!ha) beginTerm(fileState);

  const clientCerts = opts.tls?.clientAuth === "required";
  const admins: Map<number, Conn> = new Map();
  const adminCtx: ZeusAdminContext = {
    get core() {
      return core;
    },
    vassals: source,
    leader: () => (canAct() ? undefined : (ha?.leaderAddress() ?? "")),
  };
  const relay = new StreamRelay(
    {
      toAdmin: (conn, f) => (ui.logs.owns(conn) ? ui.logs.frame(conn, f) : admins.get(conn)?.write(encodePacket(encodeAdminFrame(f)))),
      toEmperor: (conn, f) => conns.get(conn)?.write(encodePacket(encodeAdminFrame(f))),
      now: () => Date.now(),
    },
    (vassal, node) => {
      if (canAct()) return locateVassal(core, vassal, node);
      const leader = ha?.leaderAddress();
      return {
        code: "not-leader",
        reason: leader
          ? `this zeus is a standby: ask the leader at ${leader} (--zeus ${leader})`
          : "this zeus is a standby and no leader is elected yet: try again",
      };
    },
  );
  const status = () => ({ ...zeusStatus(core), ...(ha ? { ha: ha.status() } : {}) });
  const ui = new ZeusConsole({ status, core: () => core, relay: () => relay, clientCerts, admins: opts.admins ?? [], ctx: adminCtx });
  const commands = leaderOnly({ ...ZEUS_ADMIN_COMMANDS, ...ui.adminCommands });
  ui.useCommands(commands);
  const hub: AdminHub<ZeusAdminContext> = new AdminHub(
    {
      send: (conn, f) => admins.get(conn)?.write(encodePacket(encodeAdminFrame(f))),
      close: (conn) => {
        admins.get(conn)?.close();
        admins.delete(conn);
        hub.closed(conn);
      },
      remote: (conn) => admins.get(conn)?.remote ?? "?",
    },
    {
      verdict: (conn) => {
        const c = admins.get(conn)!;
        return adminVerdict({ remote: c.remote, certNames: clientCerts ? c.peerNames : [], clientCerts, admins: opts.admins ?? [] });
      },
      commands,
      ctx: adminCtx,
      server: "zeus",
      streams: relay,
    },
  );

  let nextConn = 0;
  const strangers = new Strangers({
    log,
    watchFds: true,
    refuse: (conn, reason) => {
      conn.write(encodePacket(encodeMessage({ type: "ERROR", reason })));
      conn.close();
    },
  });
  const listener = await listen({
    host: opts.host,
    port: opts.port,
    ...(opts.tls ? { tls: opts.tls } : {}),
    onRefused: refusalLogger((m, p) => log.warn(m, p), "emperor"),
    onConn: (conn) => {
      if (!strangers.admit(conn)) return;
      const id = ++nextConn;
      // The first packet says who is calling: HELLO an admin client, anything else an emperor.
      let role: "unknown" | "emperor" | "admin" = "unknown";
      let term = core;
      const decoder = new PacketDecoder({ modifier1: ZEUS_MODIFIER1, family: "Zeus" });
      const live = () => (role === "admin" ? admins.has(id) : role === "emperor" ? conns.has(id) && core === term : !conn.closed);
      /** Takes the connection as an emperor's; a standby sends it to the leader instead. */
      const emperor = (): boolean => {
        role = "emperor";
        if (!leading || !canAct()) {
          conn.write(encodePacket(encodeMessage({ type: "NOT_LEADER", leader: ha?.leaderAddress() ?? "" })));
          conn.close();
          return false;
        }
        term = core;
        conns.set(id, conn);
        if (ha) write(id, { type: "ZEUS_ALIVE", deadAfterMs: opts.deadAfterMs });
        term.connOpened(id, conn.remote, clientCerts ? conn.peerNames : undefined);
        return true;
      };
      const route = (p: Packet): void => {
        if (role === "unknown") {
          strangers.identified(conn);
          if (p.modifier2 === ADMIN.HELLO) {
            role = "admin";
            admins.set(id, conn);
            const hello = decodeAdminFrame(p);
            if (hello.type === "HELLO") hub.hello(id, hello);
            return;
          }
          if (!emperor()) return;
        }
        if (role === "admin") {
          if (!isAdminType(p.modifier2)) throw new ProtocolError(`Zeus message type ${p.modifier2} on an admin connection`);
          hub.frame(id, decodeAdminFrame(p));
        } else if (isAdminType(p.modifier2)) relay.fromEmperor(id, decodeAdminFrame(p));
        else if (canAct()) term.message(id, decodeMessage(p, "emperor"));
      };
      conn.onData((chunk) => {
        if (!live()) return;
        try {
          for (const p of decoder.push(chunk)) {
            route(p);
            if (!live()) return;
          }
          if (role === "unknown") strangers.heard(conn, decoder.buffered > 0);
        } catch (e) {
          const reason = (e as Error).message;
          if (role === "unknown") {
            // Garbage before any valid first packet: answered as an emperor would be (ERROR, close).
            if (!emperor()) return;
          }
          if (role === "emperor") {
            if (e instanceof PacketError || e instanceof ProtocolError) return term.protocolError(id, reason);
            // zeus's own bug, not the emperor's: said in zeus's log, never to the emperor as
            // its protocol error. The connection closes, and the emperor's next report
            // reconciles whatever the failed handling left half done.
            log.error("internal error handling a message from emperor {remote}: {error}; closing that connection", {
              remote: conn.remote,
              error: (e as Error).stack ?? reason,
            });
            return conn.close();
          }
          log.warn("{what} {remote}: {reason}; closing it", {
            what: role === "admin" ? "admin client" : "connection",
            remote: conn.remote,
            reason,
          });
          if (admins.delete(id)) hub.closed(id);
          conn.close();
        }
      });
      conn.onClose((err) => {
        if (stopped) return;
        if (role === "admin") {
          admins.delete(id);
          return hub.closed(id);
        }
        if (core !== term || !conns.delete(id)) return;
        relay.emperorClosed(id);
        term.connClosed(id, err ? `connection error: ${err.message}` : "connection closed");
      });
    },
  });
  if (!opts.tls)
    log.warn("zeus listens on {host}:{port} without TLS: anyone who reaches it can take vassals", { host: opts.host, port: listener.port });
  else if (opts.tls.clientAuth !== "required") log.warn("zeus serves TLS without client auth: any emperor can connect");
  log.info("zeus on {host}:{port}, vassals from {dir}", { host: opts.host, port: listener.port, dir: source.where });

  if (ha) {
    ha.onChange(async (lead) => {
      if (lead === leading) return;
      if (!lead) return endTerm();
      let state: ZeusState | undefined;
      try {
        state = await store!.load();
      } catch (e) {
        log.error("cannot load the state from {path}: {error}; not leading", { path: store!.where, error: (e as Error).message });
        return ha.stepDown("the state could not be loaded");
      }
      if (ha.canAct() && !leading) beginTerm(state);
    });
    ha.start(listener.port);
  }
  const aliveEvery = Math.max(100, opts.deadAfterMs / 4);
  let lastAlive = 0;
  const ticker = setInterval(() => {
    strangers.tick();
    if (!leading) return;
    if (!canAct()) return;
    core.tick();
    if (ha && Date.now() - lastAlive >= aliveEvery) {
      lastAlive = Date.now();
      for (const id of conns.keys()) write(id, { type: "ZEUS_ALIVE", deadAfterMs: opts.deadAfterMs });
    }
  }, 100);
  let stats: StatsServer | undefined;
  if (opts.stats) {
    // A standby is up but not in charge: 503, so that a load balancer or a check sends to the leader.
    const health = () =>
      !ha || canAct()
        ? { ok: true, text: ha ? "leader" : "ok" }
        : { ok: false, text: `standby${ha.leaderAddress() ? `: the leader is ${ha.leaderAddress()}` : ": no leader elected yet"}` };
    stats = serveStats(opts.stats.host, opts.stats.port, { status, metrics: () => zeusMetrics(core), health, ui: ui.handle });
    ui.served(opts.stats.host, stats.port);
    log.info("stats on http://{host}:{port}/status", { host: opts.stats.host, port: stats.port });
  }
  return {
    port: listener.port,
    ...(stats ? { statsPort: stats.port } : {}),
    get core() {
      return core;
    },
    rescan: () => source.rescan(),
    async stop() {
      if (leading) await saver?.flush();
      saver?.stop();
      stopped = true;
      clearInterval(ticker);
      source.stop();
      listener.close();
      ui.close();
      stats?.stop();
      await ha?.stop();
    },
  };
}
