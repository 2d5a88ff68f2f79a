/**
 * The zeus daemon: listens for emperors, watches the vassals directory, drives the
 * {@link Coordinator}, saves its state and serves stats.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getLogger } from "../log/logging.ts";
import { type Conn, listen } from "../net/mod.ts";
import { encodePacket, type Packet, PacketDecoder, ZEUS_MODIFIER1 } from "../packet/mod.ts";
import { serveStats, type StatsServer } from "../stats/mod.ts";
import type { HostPort } from "../tls/endpoint.ts";
import type { TlsServerFiles } from "../tls/files.ts";
import { DirWatcher } from "../watch/mod.ts";
import { adminVerdict } from "../admin/auth.ts";
import { ADMIN, decodeAdminFrame, encodeAdminFrame, isAdminType } from "../admin/frames.ts";
import { AdminHub } from "../admin/hub.ts";
import { ProtocolError } from "../errors.ts";
import { ZEUS_ADMIN_COMMANDS, type ZeusAdminContext } from "./admin_commands.ts";
import { Coordinator } from "./coordinator.ts";
import { decodeMessage, encodeMessage } from "../zeus_protocol/mod.ts";
import { loadState, saveState } from "./state_file.ts";
import { zeusMetrics, zeusStatus } from "./zeus_status.ts";

const log = getLogger("zeus", "server");

/** Which files of the vassals directory are vassals. */
export const VASSAL_FILE = /\.(ini|toml)$/;

/**
 * Logs refused TLS clients: the first refusal of an address (for a reason) at once, then at
 * most one line a minute per address and reason with the count, so a misconfigured emperor redialling does not flood.
 */
function refusalLog(): (remote: string, reason: string) => void {
  const seen = new Map<string, { at: number; more: number }>();
  return (remote, reason) => {
    const key = `${remote.slice(0, remote.lastIndexOf(":"))} ${reason}`;
    const s = seen.get(key);
    const now = Date.now();
    if (s && now - s.at < 60_000) {
      s.more++;
      return;
    }
    const more = s?.more ? ` (and ${s.more} more such refusals)` : "";
    seen.set(key, { at: now, more: 0 });
    log.warn(`refused emperor at {remote}: {reason}${more}`, { remote, reason });
  };
}

/** Options of {@link startZeus}. */
export interface ZeusOptions extends HostPort {
  vassalsDir: string;
  tls?: TlsServerFiles;
  /** Where the state is saved on every change. */
  statePath?: string;
  /** Load `statePath` and keep what reconnecting emperors report. */
  restore?: boolean;
  deadAfterMs: number;
  /** An unanswered placement is a rejection after this long (default 60 s). */
  placeTimeoutMs?: number;
  stats?: HostPort;
  /** Certificate names that are admin clients (`--admin NAME`); see lib/admin/auth.ts. */
  admins?: string[];
}

/** A running zeus. */
export interface ZeusServer {
  port: number;
  statsPort?: number;
  core: Coordinator;
  /** Rescans the vassals directory now (SIGHUP). */
  rescan(): void;
  /** Stops listening and watching; emperors keep their vassals and redial. */
  stop(): void;
}

/**
 * Starts zeus.
 *
 * @throws {Error} when the port cannot be bound, the directory cannot be read or the state file is bad
 * @example
 * ```ts
 * const z = await startZeus({ host: "127.0.0.1", port: 4040, vassalsDir: "/etc/vassals", deadAfterMs: 5000 });
 * ```
 */
export async function startZeus(opts: ZeusOptions): Promise<ZeusServer> {
  const state = opts.restore && opts.statePath ? loadState(opts.statePath) : undefined;
  if (opts.restore && !state) log.warn("--restore: no state file at {path}; starting afresh", { path: opts.statePath });
  const conns = new Map<number, Conn>();
  // Once stopping, the connections closing are not emperors lost: the state keeps their assignments.
  let stopped = false;
  let saveQueued = false;
  const save = (): void => {
    saveQueued = false;
    try {
      saveState(opts.statePath!, core.snapshot());
    } catch (e) {
      log.error("cannot save state to {path}: {error}", { path: opts.statePath, error: (e as Error).message });
    }
  };
  const core = new Coordinator(
    {
      now: () => Date.now(),
      send: (conn, m) => conns.get(conn)?.write(encodePacket(encodeMessage(m))),
      close: (conn, reason) => {
        log.info("closing connection {conn}: {reason}", { conn, reason });
        conns.get(conn)?.close();
        conns.delete(conn);
      },
      changed: () => {
        // Coalesced: one atomic write per burst of changes, before the next I/O turn.
        if (!opts.statePath || saveQueued || stopped) return;
        saveQueued = true;
        setImmediate(save);
      },
    },
    // Without --restore, a short settle (the emperors' longest redial delay, 2 s, plus a
    // margin) still lets emperors that were redialling report what they run before
    // anything new is started.
    {
      deadAfterMs: opts.deadAfterMs,
      settleMs: state ? opts.deadAfterMs : Math.min(2500, opts.deadAfterMs),
      maxRejections: 3,
      ...(opts.placeTimeoutMs ? { placeTimeoutMs: opts.placeTimeoutMs } : {}),
    },
  );
  if (state) {
    core.restore(state);
    log.info("restored {v} vassals on {e} emperors from {path}; waiting {s} s for emperors", {
      v: state.vassals.length,
      e: state.emperors.length,
      path: opts.statePath,
      s: opts.deadAfterMs / 1000,
    });
  }

  if (opts.statePath) {
    // Fail at start, not at the first change, when the state cannot be written.
    try {
      saveState(opts.statePath, core.snapshot());
    } catch (e) {
      throw new Error(`cannot write state file ${opts.statePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  const read = (name: string): Uint8Array | undefined => {
    try {
      return readFileSync(join(opts.vassalsDir, name));
    } catch {
      return undefined; // gone again: the next scan says so
    }
  };
  const watcher = new DirWatcher(opts.vassalsDir, {
    match: (n) => VASSAL_FILE.test(n),
    onChange: (c) => {
      for (const name of [...c.added, ...c.changed]) {
        const body = read(name);
        if (body) core.fileSet(name, body);
      }
      for (const name of c.touched) core.fileTouched(name);
      for (const name of c.removed) core.fileRemoved(name);
    },
  });
  try {
    watcher.start();
  } catch (e) {
    throw new Error(`cannot watch vassals directory ${opts.vassalsDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // Vassals of the state file whose config went away while zeus was down.
  for (const name of [...core.vassals.keys()]) if (!watcher.snapshot.has(name)) core.fileRemoved(name);

  const clientCerts = opts.tls?.clientAuth === "required";
  const admins: Map<number, Conn> = new Map();
  const hub: AdminHub<ZeusAdminContext> = new AdminHub(
    {
      send: (conn, f) => admins.get(conn)?.write(encodePacket(encodeAdminFrame(f))),
      close: (conn) => {
        admins.get(conn)?.close();
        admins.delete(conn);
        hub.closed(conn);
      },
    },
    {
      verdict: (conn) => {
        const c = admins.get(conn)!;
        return adminVerdict({ remote: c.remote, certNames: clientCerts ? c.peerNames : [], clientCerts, admins: opts.admins ?? [] });
      },
      commands: ZEUS_ADMIN_COMMANDS,
      ctx: { core, vassalsDir: opts.vassalsDir },
      server: "zeus",
    },
  );

  let nextConn = 0;
  const listener = await listen({
    host: opts.host,
    port: opts.port,
    ...(opts.tls ? { tls: opts.tls } : {}),
    onRefused: refusalLog(),
    onConn: (conn) => {
      const id = ++nextConn;
      // The first packet says who is calling: HELLO an admin client, anything else an emperor.
      let role: "unknown" | "emperor" | "admin" = "unknown";
      const decoder = new PacketDecoder({ modifier1: ZEUS_MODIFIER1, family: "Zeus" });
      const live = () => (role === "admin" ? admins.has(id) : role === "emperor" ? conns.has(id) : !conn.closed);
      const route = (p: Packet): void => {
        if (role === "unknown") {
          if (p.modifier2 === ADMIN.HELLO) {
            role = "admin";
            admins.set(id, conn);
            const hello = decodeAdminFrame(p);
            if (hello.type === "HELLO") hub.hello(id, hello);
            return;
          }
          role = "emperor";
          conns.set(id, conn);
          core.connOpened(id, conn.remote, clientCerts ? conn.peerNames : undefined);
        }
        if (role === "admin") {
          if (!isAdminType(p.modifier2)) throw new ProtocolError(`Zeus message type ${p.modifier2} on an admin connection`);
          hub.frame(id, decodeAdminFrame(p));
        } else core.message(id, decodeMessage(p, "emperor"));
      };
      conn.onData((chunk) => {
        if (!live()) return;
        try {
          for (const p of decoder.push(chunk)) {
            route(p);
            if (!live()) return;
          }
        } catch (e) {
          const reason = (e as Error).message;
          if (role === "unknown") {
            // Garbage before any valid first packet: answered as an emperor would be (ERROR, close).
            role = "emperor";
            conns.set(id, conn);
            core.connOpened(id, conn.remote, clientCerts ? conn.peerNames : undefined);
          }
          if (role === "emperor") return core.protocolError(id, reason);
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
        if (!conns.delete(id)) return;
        core.connClosed(id, err ? `connection error: ${err.message}` : "connection closed");
      });
    },
  });
  if (!opts.tls)
    log.warn("zeus listens on {host}:{port} without TLS: anyone who reaches it can take vassals", { host: opts.host, port: listener.port });
  else if (opts.tls.clientAuth !== "required") log.warn("zeus serves TLS without client auth: any emperor can connect");
  log.info("zeus on {host}:{port}, vassals from {dir}", { host: opts.host, port: listener.port, dir: opts.vassalsDir });

  const ticker = setInterval(() => core.tick(), 100);
  let stats: StatsServer | undefined;
  if (opts.stats) {
    stats = serveStats(opts.stats.host, opts.stats.port, { status: () => zeusStatus(core), metrics: () => zeusMetrics(core) });
    log.info("stats on http://{host}:{port}/status", { host: opts.stats.host, port: stats.port });
  }
  return {
    port: listener.port,
    ...(stats ? { statsPort: stats.port } : {}),
    core,
    rescan: () => watcher.scan(),
    stop() {
      if (opts.statePath) save();
      stopped = true;
      clearInterval(ticker);
      watcher.stop();
      listener.close();
      stats?.stop();
    },
  };
}
