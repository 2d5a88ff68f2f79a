/**
 * The emperor's connection to zeus (`--emperor zeus:HOST:PORT` / `zeus-ssl:...`, repeated
 * for several zeus): dials, heartbeats, redials with backoff when zeus goes away (vassals
 * keep running meanwhile), follows a standby's NOT_LEADER to the leader, leaves a zeus
 * silent past the --dead-after its ZEUS_ALIVE announced, and hands the rest to a
 * {@link ZeusSession}.
 *
 * @module
 */
import { decodeAdminFrame, encodeAdminFrame, isAdminType } from "../admin/frames.ts";
import { ProtocolError } from "../errors.ts";
import type { ExecEndpoint } from "../exec/endpoint.ts";
import { getLogger } from "../log/logging.ts";
import { backoffMs, type Conn, dial, hostPort } from "../net/mod.ts";
import { encodePacket, type Packet, PacketDecoder, ZEUS_MODIFIER1 } from "../packet/mod.ts";
import type { TlsClientFiles } from "../tls/files.ts";
import { decodeMessage, encodeMessage } from "../zeus_protocol/mod.ts";
import type { SupervisorEvent } from "./supervisor.ts";
import { type SessionIdentity, type VassalHost, ZeusSession } from "./zeus_session.ts";
import { type HostPort, parseHostPort } from "../tls/endpoint.ts";

const log = getLogger("emperor", "zeus");

/** How long messages from zeus are handled before the event loop gets a turn (timers, I/O). */
const SLICE_MS = 20;

/** One zeus to dial. */
export interface ZeusAddress {
  host: string;
  port: number;
  tls?: TlsClientFiles;
}

/** Options of a {@link ZeusLink}: the first zeus, and `others` of the same coordinator. */
export interface ZeusLinkOptions extends SessionIdentity, ZeusAddress {
  /** Where exec and logs streams relayed by zeus go; without it they are a protocol error. */
  exec?: ExecEndpoint;
  /** More zeus (repeated --emperor): tried in turn; a standby's redirect is followed. */
  others?: ZeusAddress[];
  /** I_AM_ALIVE period. */
  heartbeatMs: number;
  /** First redial delay (doubles up to `maxBackoffMs`); default 250. */
  minBackoffMs?: number;
  /** Longest redial delay; default 2000, well inside zeus's restore wait. */
  maxBackoffMs?: number;
}

/** The link as the emperor's /status shows it. */
export interface ZeusLinkStatus {
  /** The zeus dialled or connected to. */
  zeus: string;
  /** Every zeus given, when there are several. */
  all?: string[];
  tls: boolean;
  state: "connecting" | "connected" | "waiting";
  /** ISO time the current connection came up. */
  connected_since?: string;
  connects: number;
  last_error?: string;
  /** The longest time between two heartbeat ticks so far, in ms (a starved event loop shows here). */
  heartbeat_gap_max_ms: number;
}

/**
 * A self-healing link to zeus.
 *
 * @example
 * ```ts
 * import { Supervisor } from "./supervisor.ts";
 * let link: ZeusLink | undefined;
 * const sup = new Supervisor({ stateDir: "/var/lib/emperor", onEvent: (e) => link?.onEvent(e) });
 * link = new ZeusLink(sup, { host: "10.0.0.1", port: 4040, node: "n1", maxVassals: 100, heartbeatMs: 1000 });
 * link.start();
 * ```
 */
export class ZeusLink {
  readonly session: ZeusSession;
  #conn: Conn | undefined;
  #stopped = false;
  #attempts = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #beat: ReturnType<typeof setInterval> | undefined;
  #lastTick = 0;
  #gapMax = 0;
  #state: ZeusLinkStatus["state"] = "connecting";
  #since = 0;
  #connects = 0;
  #lastError: string | undefined;
  readonly #targets: ZeusAddress[];
  #target = 0;
  /** The leader a standby named, dialled next. */
  #redirect: ZeusAddress | undefined;
  #redirects = 0;
  /** Failed dials since the last connection that lasted, for the per-round backoff. */
  #tried = 0;
  #heard = 0;
  #silenceMs = 0;
  /** The --dead-after the last ZEUS_ALIVE announced (the same on every zeus of a coordinator). */
  #announcedMs: number | undefined;
  /** The zeus last left for its silence: a stale redirect back to it is not followed for a while. */
  #leftSilent: { host: string; port: number; at: number } | undefined;

  constructor(
    host: VassalHost,
    readonly opts: ZeusLinkOptions,
  ) {
    this.session = new ZeusSession(host, opts);
    this.#targets = [{ host: opts.host, port: opts.port, ...(opts.tls ? { tls: opts.tls } : {}) }, ...(opts.others ?? [])];
  }

  get #current(): ZeusAddress {
    return this.#targets[this.#target]!;
  }

  /** Starts dialling (and redialling forever, until {@link stop}). */
  start(): void {
    this.#lastTick = Date.now();
    this.#beat = setInterval(() => {
      const now = Date.now();
      this.#gapMax = Math.max(this.#gapMax, now - this.#lastTick);
      this.#lastTick = now;
      this.session.heartbeat();
      this.#checkSilence();
    }, this.opts.heartbeatMs);
    void this.#dial();
  }

  /** Forwards a supervisor event to zeus. */
  onEvent(e: SupervisorEvent): void {
    this.session.onEvent(e);
  }

  /** Closes the link for good; vassals are the supervisor's business. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#beat);
    clearTimeout(this.#timer);
    this.#conn?.close();
  }

  /** For the emperor's /status. */
  status(): ZeusLinkStatus {
    return {
      zeus: at(this.#current),
      ...(this.#targets.length > 1 ? { all: this.#targets.map(at) } : {}),
      tls: this.#current.tls !== undefined,
      state: this.#state,
      ...(this.#state === "connected" ? { connected_since: new Date(this.#since).toISOString() } : {}),
      connects: this.#connects,
      ...(this.#lastError ? { last_error: this.#lastError } : {}),
      heartbeat_gap_max_ms: this.#gapMax,
    };
  }

  async #dial(): Promise<void> {
    this.#state = "connecting";
    if (this.#redirect) {
      const r = this.#redirect;
      this.#redirect = undefined;
      const known = this.#targets.findIndex((t) => t.host === r.host && t.port === r.port);
      if (known < 0) this.#targets.push(r);
      this.#target = known < 0 ? this.#targets.length - 1 : known;
    }
    const target = this.#current;
    let conn: Conn;
    try {
      conn = await dial({ host: target.host, port: target.port, ...(target.tls ? { tls: target.tls } : {}), timeoutMs: 5000 });
    } catch (e) {
      return this.#retry(`${at(target)}: ${(e as Error).message}`);
    }
    if (this.#stopped) return conn.close();
    this.#conn = conn;
    this.#connects++;
    this.#since = this.#heard = Date.now();
    // With several zeus, one that says nothing at all (paused: its kernel still accepts) is
    // left too, after a grace its first ZEUS_ALIVE replaces with its --dead-after.
    this.#silenceMs = this.#targets.length > 1 ? (this.#announcedMs ?? Math.max(5000, 3 * this.opts.heartbeatMs)) : 0;
    this.#state = "connected";
    // Announced once it has lasted: a zeus refusing our certificate accepts, then resets.
    const announce = setTimeout(() => {
      log.info("connected to zeus at {host}:{port} as {node}", { host: target.host, port: target.port, node: this.opts.node });
      this.#lastError = undefined;
      this.#redirects = 0;
    }, 500);
    let notLeader: string | undefined;
    const decoder = new PacketDecoder({ modifier1: ZEUS_MODIFIER1, family: "Zeus" });
    let broken = false;
    // Streams (exec, logs) live as long as this connection: a lost link kills their commands.
    const streams = this.opts.exec?.channel((f) => conn.write(encodePacket(encodeAdminFrame(f))), "zeus");
    const fail = (e: unknown) => {
      broken = true;
      const reason = (e as Error).message;
      log.error("protocol error from zeus: {reason}; closing the connection (vassals keep running)", { reason });
      conn.write(encodePacket(encodeMessage({ type: "ERROR", reason })));
      this.#lastError = `protocol error: ${reason}`;
      conn.close();
    };
    const handle = (p: Packet) => {
      if (isAdminType(p.modifier2)) {
        if (!streams) throw new ProtocolError(`admin frame ${p.modifier2}: this emperor takes no streams`);
        return streams.frame(decodeAdminFrame(p));
      }
      const m = decodeMessage(p, "zeus");
      if (m.type === "ZEUS_ALIVE") this.#silenceMs = this.#announcedMs = m.deadAfterMs;
      else if (m.type === "NOT_LEADER") {
        notLeader = this.#follow(target, m.leader);
        broken = true;
        conn.close();
      } else this.session.handle(m);
    };
    // Messages are handled in order, in slices of at most SLICE_MS: a burst of placements
    // (each one spawns a process) must not hold up the heartbeat timer until it is done.
    const inbox: Packet[] = [];
    let next = 0;
    let draining = false;
    const drain = () => {
      const until = performance.now() + SLICE_MS;
      try {
        while (next < inbox.length && !broken) {
          if (performance.now() > until) return void setImmediate(drain);
          handle(inbox[next++]!);
        }
      } catch (e) {
        fail(e);
      }
      inbox.length = next = 0;
      draining = false;
    };
    conn.onData((chunk) => {
      if (broken) return;
      this.#heard = Date.now();
      try {
        for (const p of decoder.push(chunk)) inbox.push(p);
      } catch (e) {
        return fail(e);
      }
      if (!draining) {
        draining = true;
        drain();
      }
    });
    conn.onClose((err) => {
      clearTimeout(announce);
      streams?.close();
      this.session.detach();
      this.#conn = undefined;
      const lasted = Date.now() - this.#since;
      if (notLeader !== undefined) return this.#retry(notLeader, this.#redirect !== undefined && this.#redirects++ < this.#targets.length);
      // A link refused at once (e.g. our certificate is not accepted) must not spin.
      if (lasted > 2000) this.#attempts = this.#tried = 0;
      const why =
        lasted < 500
          ? `zeus closed the connection at once${this.opts.tls ? " (is this emperor's certificate signed by the CA zeus trusts?)" : ""}`
          : (err?.message ?? "zeus closed the connection");
      this.#retry(why);
    });
    this.session.attach((m) => conn.write(encodePacket(encodeMessage(m))));
  }

  /**
   * A standby answered: dial the leader it names next (with the TLS files given for that
   * address, or else those of this one), or the next zeus while it knows none. Returns why.
   */
  #follow(from: ZeusAddress, leader: string): string {
    let to: HostPort | undefined;
    try {
      to = leader ? parseHostPort(leader) : undefined;
    } catch {
      log.warn("zeus at {from} names a leader {leader} that is not HOST:PORT", { from: at(from), leader });
    }
    const left = this.#leftSilent;
    const stale = to && left && left.host === to.host && left.port === to.port && Date.now() - left.at < 3 * (this.#announcedMs ?? 5000);
    if (to && !stale && (to.host !== from.host || to.port !== from.port)) {
      const given = this.#targets.find((t) => t.host === to.host && t.port === to.port);
      this.#redirect = given ?? { ...to, ...(from.tls ? { tls: from.tls } : {}) };
      log.info("zeus at {from} is a standby: following it to the leader at {leader}", { from: at(from), leader });
      return `zeus at ${at(from)} is a standby (leader ${leader})`;
    }
    return `zeus at ${at(from)} is a standby and knows no leader yet`;
  }

  /** Leaves a zeus that announced ZEUS_ALIVE and has been silent for longer than it said. */
  #checkSilence(): void {
    if (!this.#conn || this.#silenceMs === 0) return;
    const silent = Date.now() - this.#heard;
    if (silent <= this.#silenceMs) return;
    this.#lastError = undefined;
    log.warn("zeus at {zeus} has been silent for {s} s: leaving it (vassals keep running)", {
      zeus: at(this.#current),
      s: (silent / 1000).toFixed(1),
    });
    this.#silenceMs = 0;
    this.#leftSilent = { ...this.#current, at: Date.now() };
    this.#conn.close();
  }

  /** Redials: `now` for a redirect to the leader, else after a backoff, trying the next zeus. */
  #retry(why: string, now = false): void {
    if (this.#stopped) return;
    this.#state = "waiting";
    if (why !== this.#lastError) log.warn("zeus link down: {why}; redialling (vassals keep running)", { why });
    this.#lastError = why;
    if (now) {
      this.#timer = setTimeout(() => void this.#dial(), 0);
      return;
    }
    if (!this.#redirect && this.#targets.length > 1) this.#target = (this.#target + 1) % this.#targets.length;
    // With several zeus, the next one is tried at once; the backoff grows per round of them all.
    const quick = this.#targets.length > 1 && ++this.#tried % this.#targets.length !== 0;
    const wait = quick
      ? 50
      : backoffMs(this.#attempts++, { firstMs: this.opts.minBackoffMs ?? 250, maxMs: this.opts.maxBackoffMs ?? 2000 });
    this.#timer = setTimeout(() => void this.#dial(), wait);
  }
}

const at = (a: HostPort): string => hostPort(a.host, a.port);
