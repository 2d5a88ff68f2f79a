/**
 * The emperor's connection to zeus (`--emperor zeus:HOST:PORT` / `zeus-ssl:...`, repeated
 * for several zeus): dials, heartbeats, redials with backoff when zeus goes away (vassals
 * keep running meanwhile), follows a standby's NOT_LEADER to the leader, leaves a zeus
 * silent past the --dead-after its ZEUS_ALIVE announced, and hands the rest to a
 * {@link ZeusSession}.
 *
 * @module
 */
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import type { ExecEndpoint } from "../exec/mod.ts";
import { getLogger, LogLimiter } from "../log/mod.ts";
import { backoffMs, dial, DialTimeoutError, hostPort, type ReadFailure } from "../net/mod.ts";
import { type HostPort, parseHostPort, type TlsClientFiles } from "../tls/mod.ts";
import { dialTimeoutMs, handshakeTimeoutMs, type ZeusMessage } from "../zeus_protocol/mod.ts";
import type { SupervisorEvent } from "./supervisor.ts";
import { type LinkAction, type LinkEvent, type LinkState, linkStep, shownState } from "./zeus_link_lifecycle.ts";
import { type LinkConnHandlers, ZeusLinkConn } from "./zeus_link_conn.ts";
import { type LinkFailure, linkProblem } from "./zeus_link_problem.ts";
import { type SessionIdentity, type VassalHost, ZeusSession } from "./zeus_session.ts";

const log = getLogger("emperor", "zeus");

/** A failure that repeats is logged again at most this often (with how many were left out). */
const REPEAT_LOG_MS = 60_000;

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
  /** Time and timers (default: the system's); silences and heartbeat gaps are measured on its monotonic reading. */
  clock?: Clock;
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
  /** Failed dials and lost connections so far (each one redialled). */
  failures: number;
  /** Why the link is down, as logged: the one line that names the fix when there is one. */
  last_error?: string;
  /** The last failure is a misconfiguration no redial cures (until it is fixed, the link keeps trying). */
  misconfigured?: boolean;
  /** The longest time between two heartbeat ticks so far, in ms (a starved event loop shows here). */
  heartbeat_gap_max_ms: number;
}

/**
 * A self-healing link to zeus. Its life (dialling, connected, leaving, redirecting, waiting,
 * stopped) is the table of zeus_link_lifecycle.ts; each connection is a {@link ZeusLinkConn}.
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
  #state: LinkState = "idle";
  #conn: ZeusLinkConn | undefined;
  readonly #clock: Clock;
  #attempts = 0;
  /** Dials in a row given up for want of time: the next one waits longer (dial_patience.ts). */
  #dialsTimedOut = 0;
  #timer: TimerHandle | undefined;
  #beat: TimerHandle | undefined;
  #lastTick = 0;
  #gapMax = 0;
  /** When the current connection came up (monotonic). */
  #since = 0;
  #connects = 0;
  #failures = 0;
  #lastError: string | undefined;
  #misconfigured = false;
  /** Each failure is logged at once, then at most once per REPEAT_LOG_MS while it repeats. */
  #logLimit: LogLimiter;
  /** What zeus said in an ERROR on the current connection: it is closing it, and this is why. */
  #refusal: string | undefined;
  /** Why the read loop gave up on the current connection. */
  #readFailure: string | undefined;
  readonly #targets: ZeusAddress[];
  #target = 0;
  /** Redirects followed since the last connection that lasted. */
  #redirects = 0;
  /** Failed dials since the last connection that lasted, for the per-round backoff. */
  #tried = 0;
  #heard = 0;
  #silenceMs = 0;
  /** The --dead-after the last ZEUS_ALIVE announced (the same on every zeus of a coordinator). */
  #announcedMs: number | undefined;
  /** The zeus last left for its silence: a stale redirect back to it is not followed for a while. */
  #leftSilent: { host: string; port: number; at: number } | undefined;
  /** Why the current connection is being left, when zeus said (a standby's NOT_LEADER). */
  #leaving: string | undefined;

  constructor(
    host: VassalHost,
    readonly opts: ZeusLinkOptions,
  ) {
    this.session = new ZeusSession(host, opts);
    this.#clock = opts.clock ?? systemClock;
    this.#logLimit = this.#newLogLimit();
    this.#targets = [{ host: opts.host, port: opts.port, ...(opts.tls ? { tls: opts.tls } : {}) }, ...(opts.others ?? [])];
  }

  get #current(): ZeusAddress {
    return this.#targets[this.#target]!;
  }

  /** Starts dialling (and redialling forever, until {@link stop}). */
  start(): void {
    this.#lastTick = this.#clock.monotonic();
    this.#beat = this.#clock.setInterval(() => this.#tick(), this.opts.heartbeatMs);
    this.#on({ kind: "start" });
  }

  /** Forwards a supervisor event to zeus. */
  onEvent(e: SupervisorEvent): void {
    this.session.onEvent(e);
  }

  /** Closes the link for good; vassals are the supervisor's business. */
  stop(): void {
    this.#on({ kind: "stop" });
  }

  /** For the emperor's /status. */
  status(): ZeusLinkStatus {
    const state = shownState(this.#state);
    const clock = this.#clock;
    return {
      zeus: at(this.#current),
      ...(this.#targets.length > 1 ? { all: this.#targets.map(at) } : {}),
      tls: this.#current.tls !== undefined,
      state,
      ...(state === "connected" ? { connected_since: new Date(clock.now() - (clock.monotonic() - this.#since)).toISOString() } : {}),
      connects: this.#connects,
      failures: this.#failures,
      ...(this.#lastError ? { last_error: this.#lastError } : {}),
      ...(this.#lastError && this.#misconfigured ? { misconfigured: true } : {}),
      heartbeat_gap_max_ms: this.#gapMax,
    };
  }

  #on(e: LinkEvent, why = ""): void {
    const step = linkStep(this.#state, e);
    if (!step) return log.error("zeus link {state}: unexpected {event}", { state: this.#state, event: e.kind });
    this.#state = step.next;
    for (const a of step.actions) this.#act(a, why);
  }

  #act(a: LinkAction, why: string): void {
    switch (a.do) {
      case "dial":
        return void this.#dial();
      case "attach":
        return this.session.attach((m) => this.#conn?.send(m));
      case "close":
        return this.#conn?.close();
      case "backoff":
        return this.#retry(why, a.next);
      case "redial_now":
        this.#note(why);
        this.#timer = this.#clock.setTimeout(() => this.#on({ kind: "timer" }), 0);
        return;
      case "drop_late":
        return this.#conn?.close();
      case "halt":
        this.#clock.clearInterval(this.#beat);
        this.#clock.clearTimeout(this.#timer);
        return this.#conn?.close();
    }
  }

  #tick(): void {
    const now = this.#clock.monotonic();
    this.#gapMax = Math.max(this.#gapMax, now - this.#lastTick);
    this.#lastTick = now;
    this.session.heartbeat();
    this.#checkSilence();
  }

  async #dial(): Promise<void> {
    const target = this.#current;
    let conn;
    try {
      const timeoutMs = dialTimeoutMs(this.#dialsTimedOut);
      // The only zeus there is, busy with a storm of handshakes, is waited for: there is no other to try.
      const handshake = target.tls ? handshakeTimeoutMs(this.#targets.length) : undefined;
      conn = await dial({
        host: target.host,
        port: target.port,
        ...(target.tls ? { tls: target.tls } : {}),
        timeoutMs,
        ...(handshake !== undefined ? { handshakeTimeoutMs: handshake } : {}),
      });
    } catch (e) {
      // A busy zeus (a storm of handshakes after its restart) is given longer next time.
      this.#dialsTimedOut = e instanceof DialTimeoutError ? this.#dialsTimedOut + 1 : 0;
      return this.#on({ kind: "dial-failed" }, this.#problem({ ...this.#failure(target), reason: (e as Error).message }));
    }
    this.#dialsTimedOut = 0;
    const link: ZeusLinkConn = new ZeusLinkConn(
      conn,
      { clock: this.#clock, exec: this.opts.exec },
      this.#handlers(target, () => link),
    );
    this.#conn = link;
    if (this.#state === "stopped") return this.#on({ kind: "up" });
    this.#connects++;
    this.#since = this.#heard = this.#clock.monotonic();
    this.#leaving = this.#refusal = this.#readFailure = undefined;
    // With several zeus, one that says nothing at all (paused: its kernel still accepts) is
    // left too, after a grace its first ZEUS_ALIVE replaces with its --dead-after.
    this.#silenceMs = this.#targets.length > 1 ? (this.#announcedMs ?? Math.max(5000, 3 * this.opts.heartbeatMs)) : 0;
    this.#on({ kind: "up" });
  }

  /** What one connection tells the link; only the current connection's word counts. */
  #handlers(target: ZeusAddress, link: () => ZeusLinkConn): LinkConnHandlers {
    const mine = () => link() === this.#conn;
    return {
      live: () => mine() && this.#state === "connected",
      heard: () => void (this.#heard = this.#clock.monotonic()),
      lasted: () => {
        log.info("connected to zeus at {host}:{port} as {node}", { host: target.host, port: target.port, node: this.opts.node });
        this.#lastError = undefined;
        this.#redirects = 0;
      },
      message: (m, term) => this.#message(target, m, term),
      failed: (f) => this.#failed(f),
      closed: (err, heard) => mine() && this.#closed(target, err, heard),
    };
  }

  #message(target: ZeusAddress, m: ZeusMessage, term: number | undefined): void {
    if (m.type === "ZEUS_ALIVE") this.#silenceMs = this.#announcedMs = m.deadAfterMs;
    // zeus closes the connection after an ERROR: it is the reason the close reports.
    else if (m.type === "ERROR") this.#refusal = m.reason;
    else if (m.type === "NOT_LEADER") {
      const follow = this.#follow(target, m.leader);
      this.#on({ kind: "not-leader", follow });
    } else this.session.handle(m, term);
  }

  #failed(f: ReadFailure): void {
    this.#readFailure = f.kind === "internal" ? `internal error: ${f.reason}` : f.kind === "tls" ? f.reason : `protocol error: ${f.reason}`;
    this.#on({ kind: "bad-input" });
  }

  #closed(target: ZeusAddress, err: Error | undefined, heard: boolean): void {
    this.session.detach();
    this.#conn = undefined;
    const lasted = this.#clock.monotonic() - this.#since;
    const leaving = this.#leaving;
    const redialNow = this.#state === "redirecting" && this.#redirects++ < this.#targets.length;
    if (leaving !== undefined) {
      this.#misconfigured = false;
      return this.#on({ kind: "closed", redialNow }, leaving);
    }
    // A link refused at once (e.g. our certificate is not accepted) must not spin, nor log its
    // refusal again: a zeus slow to refuse (loaded) can take past the 500 ms that log "connected".
    // One that lasted was a connection: its end is news, logged at once.
    if (lasted > 2000) {
      this.#attempts = this.#tried = 0;
      this.#logLimit = this.#newLogLimit();
    }
    const failure: LinkFailure = {
      ...this.#failure(target),
      reason: this.#readFailure ?? err?.message ?? "",
      ...(lasted < 500 && !heard ? { closedAtOnce: true } : {}),
      ...(this.#refusal !== undefined ? { refusal: this.#refusal } : {}),
    };
    this.#on({ kind: "closed", redialNow: false }, this.#problem(failure));
  }

  /** A failure of `target` before its reason is known. */
  #failure(target: ZeusAddress): LinkFailure {
    return { where: at(target), reason: "", ...(target.tls ? { tls: { cert: target.tls.cert !== undefined } } : {}) };
  }

  /** The line of a failure; remembers whether it is a misconfiguration. */
  #problem(f: LinkFailure): string {
    const p = linkProblem(f);
    this.#misconfigured = p.cureless;
    return p.line;
  }

  #newLogLimit(): LogLimiter {
    return new LogLimiter({ intervalMs: REPEAT_LOG_MS, now: () => this.#clock.monotonic() });
  }

  /**
   * A standby answered: the leader it names is dialled next (with the TLS files given for
   * that address, or else those of this one), or the next zeus while it knows none. Returns
   * whether a leader is followed.
   */
  #follow(from: ZeusAddress, leader: string): boolean {
    let to: HostPort | undefined;
    try {
      to = leader ? parseHostPort(leader) : undefined;
    } catch {
      log.warn("zeus at {from} names a leader {leader} that is not HOST:PORT", { from: at(from), leader });
    }
    const left = this.#leftSilent;
    const stale =
      to && left && left.host === to.host && left.port === to.port && this.#clock.monotonic() - left.at < 3 * (this.#announcedMs ?? 5000);
    if (to && !stale && (to.host !== from.host || to.port !== from.port)) {
      const given = this.#targets.findIndex((t) => t.host === to.host && t.port === to.port);
      if (given < 0) this.#targets.push({ ...to, ...(from.tls ? { tls: from.tls } : {}) });
      this.#target = given < 0 ? this.#targets.length - 1 : given;
      log.info("zeus at {from} is a standby: following it to the leader at {leader}", { from: at(from), leader });
      this.#leaving = `zeus at ${at(from)} is a standby (leader ${leader})`;
      return true;
    }
    this.#leaving = `zeus at ${at(from)} is a standby and knows no leader yet`;
    return false;
  }

  /** Leaves a zeus that announced ZEUS_ALIVE and has been silent for longer than it said. */
  #checkSilence(): void {
    if (this.#state !== "connected" || this.#silenceMs === 0) return;
    const silent = this.#clock.monotonic() - this.#heard;
    if (silent <= this.#silenceMs) return;
    this.#lastError = undefined;
    log.warn("zeus at {zeus} has been silent for {s} s: leaving it (vassals keep running)", {
      zeus: at(this.#current),
      s: (silent / 1000).toFixed(1),
    });
    this.#silenceMs = 0;
    this.#leftSilent = { ...this.#current, at: this.#clock.monotonic() };
    this.#on({ kind: "silent" });
  }

  /** Logs why the link is down: a new reason at once, the same one again at most once a minute. */
  #note(why: string): void {
    this.#failures++;
    this.#lastError = why;
    const left = this.#logLimit.take(why);
    if (left === undefined) return;
    const again = left > 0 ? `; ${left} more alike since the last line` : "";
    log.warn("zeus link down: {why}; redialling (vassals keep running{again})", { why, again });
  }

  /** Redials after a backoff; `next`: trying the next zeus, when there are several. */
  #retry(why: string, next: boolean): void {
    this.#note(why);
    if (next && this.#targets.length > 1) this.#target = (this.#target + 1) % this.#targets.length;
    // With several zeus, the next one is tried at once; the backoff grows per round of them all.
    const quick = this.#targets.length > 1 && ++this.#tried % this.#targets.length !== 0;
    const wait = quick
      ? 50
      : backoffMs(this.#attempts++, { firstMs: this.opts.minBackoffMs ?? 250, maxMs: this.opts.maxBackoffMs ?? 2000 });
    this.#timer = this.#clock.setTimeout(() => this.#on({ kind: "timer" }), wait);
  }
}

const at = (a: HostPort): string => hostPort(a.host, a.port);
