/**
 * The limits of a node's client port (SPEC "Client port limits"): at most `max_clients`
 * connections, the next refused with ERROR; one stuck mid-packet for 10 s or silent for
 * `client_idle` closed (subscribed listeners, at most `max_listeners`, exempt); refusals,
 * closings and a shortage of file descriptors logged, rate-limited.
 *
 * @module
 */
import { systemClock } from "../clock.ts";
import type { RingConfig } from "../config/mod.ts";
import { getLogger, leftOut, LogLimiter } from "../log/mod.ts";
import { type Conn, ConnGuard, defaultMaxClients, fdsLeft, type GuardLimits, openFileLimit } from "../net/mod.ts";
import { ringBytes, RingType } from "./protocol.ts";

const log = getLogger("zog", "clients");

/** The client port in /status: connections open and allowed, refusals and timeouts so far. */
export interface ClientsStatus {
  open: number;
  max: number;
  listeners_max: number;
  refused: number;
  timed_out: number;
}

/** How long a client may stop in the middle of a packet. */
export const PARTIAL_PACKET_MS = 10_000;
/** Listeners exempt from `client_idle` at once, unless ring.toml says otherwise. */
const DEFAULT_MAX_LISTENERS = 256;
/** Descriptors left when the shortage is logged. */
const FD_MARGIN = 8;

/**
 * The client port's guard and what it logs.
 *
 * @example
 * ```ts
 * import { serveClient } from "./inbound.ts";
 * const port = new ClientPort(config, config.nodes.length - 1);
 * listen({ host, port: self.clientPort, onConn: (c) => void (port.admit(c) && serveClient(node, c, port.guard)) });
 * setInterval(() => port.tick(), 1000);
 * ```
 */
export class ClientPort {
  readonly guard: ConnGuard<Conn>;
  readonly fileLimit: number | undefined;
  /** Connections refused for max_clients, and closed for a deadline (for /status). */
  refused = 0;
  timedOut = 0;
  readonly #limiter = new LogLimiter();

  constructor(
    config: Pick<RingConfig, "maxClients" | "maxListeners" | "clientIdle">,
    peers: number,
    now: () => number = systemClock.monotonic,
  ) {
    this.fileLimit = openFileLimit();
    const max = config.maxClients || defaultMaxClients(this.fileLimit, peers);
    const limits: GuardLimits = {
      max,
      partialMs: PARTIAL_PACKET_MS,
      idleMs: config.clientIdle * 1000,
      maxExempt: config.maxListeners || Math.min(DEFAULT_MAX_LISTENERS, max),
    };
    this.guard = new ConnGuard(limits, now);
  }

  /** Counts a new connection, or refuses it (ERROR, close, a rate-limited line); whether it was admitted. */
  admit(conn: Conn): boolean {
    if (!this.guard.admit(conn)) {
      this.refused++;
      const reason = `too many clients: max_clients ${this.guard.limits.max} reached`;
      this.#note("full", (more) => log.warn(`refusing client {remote}: {reason}${more}`, { remote: conn.remote, reason }));
      close(conn, reason);
      return false;
    }
    conn.onClose(() => this.guard.release(conn));
    return true;
  }

  /** Closes the connections past a deadline and checks the descriptors left; call about once a second. */
  tick(): void {
    for (const [conn, why] of this.guard.sweep()) {
      this.timedOut++;
      this.#note(why, (more) => log.info(`closing client {remote}: {why}${more}`, { remote: conn.remote, why }));
      close(conn, why);
    }
    const left = this.fileLimit === undefined || this.fileLimit === Infinity ? undefined : fdsLeft(this.fileLimit);
    if (left !== undefined && left <= FD_MARGIN) {
      this.#note("fds", (more) =>
        log.error(
          `running out of file descriptors: {left} of {limit} left; raise the limit (ulimit -n, LimitNOFILE=) or lower max_clients${more}`,
          {
            left,
            limit: this.fileLimit,
          },
        ),
      );
    }
  }

  /** The port's figures for /status. */
  status(): ClientsStatus {
    const l = this.guard.limits;
    return { open: this.guard.size, max: l.max, listeners_max: l.maxExempt, refused: this.refused, timed_out: this.timedOut };
  }

  #note(key: string, write: (more: string) => void): void {
    const left = this.#limiter.take(key);
    if (left !== undefined) write(leftOut(left));
  }
}

function close(conn: Conn, reason: string): void {
  conn.write(ringBytes(RingType.ERROR, { reason }));
  conn.close();
}
