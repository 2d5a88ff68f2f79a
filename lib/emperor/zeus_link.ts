/**
 * The emperor's connection to zeus (`--emperor zeus:HOST:PORT` / `zeus-ssl:...`): dials,
 * heartbeats, redials with backoff when zeus goes away (vassals keep running meanwhile),
 * and hands messages to a {@link ZeusSession}.
 *
 * @module
 */
import { getLogger } from "../log/logging.ts";
import { backoffMs, type Conn, dial } from "../net/mod.ts";
import { encodePacket, PacketDecoder, ZEUS_MODIFIER1 } from "../packet/mod.ts";
import type { TlsClientFiles } from "../tls/files.ts";
import { decodeMessage, encodeMessage } from "../zeus_protocol/mod.ts";
import type { SupervisorEvent } from "./supervisor.ts";
import { type SessionIdentity, type VassalHost, ZeusSession } from "./zeus_session.ts";

const log = getLogger("emperor", "zeus");

/** Options of a {@link ZeusLink}. */
export interface ZeusLinkOptions extends SessionIdentity {
  host: string;
  port: number;
  tls?: TlsClientFiles;
  /** I_AM_ALIVE period. */
  heartbeatMs: number;
  /** First redial delay (doubles up to `maxBackoffMs`); default 250. */
  minBackoffMs?: number;
  /** Longest redial delay; default 2000, well inside zeus's restore wait. */
  maxBackoffMs?: number;
}

/** The link as the emperor's /status shows it. */
export interface ZeusLinkStatus {
  zeus: string;
  tls: boolean;
  state: "connecting" | "connected" | "waiting";
  /** ISO time the current connection came up. */
  connected_since?: string;
  connects: number;
  last_error?: string;
}

/**
 * A self-healing link to zeus.
 *
 * @example
 * ```ts
 * const link = new ZeusLink(supervisor, { host: "10.0.0.1", port: 4040, node: "n1", maxVassals: 100, heartbeatMs: 1000 });
 * supervisorEvents.push((e) => link.onEvent(e));
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
  #state: ZeusLinkStatus["state"] = "connecting";
  #since = 0;
  #connects = 0;
  #lastError: string | undefined;

  constructor(
    host: VassalHost,
    readonly opts: ZeusLinkOptions,
  ) {
    this.session = new ZeusSession(host, opts);
  }

  /** Starts dialling (and redialling forever, until {@link stop}). */
  start(): void {
    this.#beat = setInterval(() => this.session.heartbeat(), this.opts.heartbeatMs);
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
      zeus: `${this.opts.host}:${this.opts.port}`,
      tls: this.opts.tls !== undefined,
      state: this.#state,
      ...(this.#state === "connected" ? { connected_since: new Date(this.#since).toISOString() } : {}),
      connects: this.#connects,
      ...(this.#lastError ? { last_error: this.#lastError } : {}),
    };
  }

  async #dial(): Promise<void> {
    this.#state = "connecting";
    let conn: Conn;
    try {
      conn = await dial({ host: this.opts.host, port: this.opts.port, ...(this.opts.tls ? { tls: this.opts.tls } : {}), timeoutMs: 5000 });
    } catch (e) {
      return this.#retry((e as Error).message);
    }
    if (this.#stopped) return conn.close();
    this.#conn = conn;
    this.#connects++;
    this.#since = Date.now();
    this.#state = "connected";
    // Announced once it has lasted: a zeus refusing our certificate accepts, then resets.
    const announce = setTimeout(() => {
      log.info("connected to zeus at {host}:{port} as {node}", { host: this.opts.host, port: this.opts.port, node: this.opts.node });
      this.#lastError = undefined;
    }, 500);
    const decoder = new PacketDecoder({ modifier1: ZEUS_MODIFIER1, family: "Zeus" });
    let broken = false;
    conn.onData((chunk) => {
      if (broken) return;
      try {
        for (const p of decoder.push(chunk)) this.session.handle(decodeMessage(p, "zeus"));
      } catch (e) {
        broken = true;
        const reason = (e as Error).message;
        log.error("protocol error from zeus: {reason}; closing the connection (vassals keep running)", { reason });
        conn.write(encodePacket(encodeMessage({ type: "ERROR", reason })));
        this.#lastError = `protocol error: ${reason}`;
        conn.close();
      }
    });
    conn.onClose((err) => {
      clearTimeout(announce);
      this.session.detach();
      this.#conn = undefined;
      const lasted = Date.now() - this.#since;
      // A link refused at once (e.g. our certificate is not accepted) must not spin.
      if (lasted > 2000) this.#attempts = 0;
      const why =
        lasted < 500
          ? `zeus closed the connection at once${this.opts.tls ? " (is this emperor's certificate signed by the CA zeus trusts?)" : ""}`
          : (err?.message ?? "zeus closed the connection");
      this.#retry(why);
    });
    this.session.attach((m) => conn.write(encodePacket(encodeMessage(m))));
  }

  #retry(why: string): void {
    if (this.#stopped) return;
    this.#state = "waiting";
    if (why !== this.#lastError) log.warn("zeus link down: {why}; redialling (vassals keep running)", { why });
    this.#lastError = why;
    const wait = backoffMs(this.#attempts++, { firstMs: this.opts.minBackoffMs ?? 250, maxMs: this.opts.maxBackoffMs ?? 2000 });
    this.#timer = setTimeout(() => void this.#dial(), wait);
  }
}
