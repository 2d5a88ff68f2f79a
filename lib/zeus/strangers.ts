/**
 * Connections to zeus's port that have not said who they are yet (no I_AM_ALIVE, no admin
 * HELLO): at most {@link MAX_STRANGERS} at once, each closed if it stops in the middle of a
 * packet for 10 s or says nothing for 10 s. Once identified, a connection leaves these
 * limits (emperors have --dead-after, admin clients their own rules), so a flood of
 * strangers never takes the room of emperors and admins. Refusals, closings and a
 * shortage of descriptors are logged, rate-limited.
 *
 * @module
 */
import { getLogger } from "../log/logging.ts";
import { leftOut, LogLimiter } from "../log/rate_limit.ts";
import { ConnGuard } from "../net/conn_guard.ts";
import { fdsLeft, openFileLimit } from "../net/fd_budget.ts";
import type { Conn } from "../net/mod.ts";
import { encodePacket } from "../packet/mod.ts";
import { encodeMessage } from "../zeus_protocol/mod.ts";

const log = getLogger("zeus", "server");

/** Connections at once that have not said who they are. */
export const MAX_STRANGERS = 64;
/** How long a stranger may take to say who it is, or stop in the middle of a packet. */
export const STRANGER_MS = 10_000;
const FD_MARGIN = 8;

/**
 * The guard of zeus's port for unidentified connections.
 *
 * @example
 * ```ts
 * const strangers = new Strangers();
 * onConn: (conn) => { if (!strangers.admit(conn)) return; ... strangers.identified(conn) }
 * ```
 */
export class Strangers {
  readonly guard: ConnGuard<Conn>;
  readonly #limiter = new LogLimiter();
  readonly #fileLimit = openFileLimit();
  #lastFdCheck = 0;

  constructor(
    limits: { max?: number; ms?: number } = {},
    readonly now: () => number = Date.now,
  ) {
    const ms = limits.ms ?? STRANGER_MS;
    this.guard = new ConnGuard({ max: limits.max ?? MAX_STRANGERS, partialMs: ms, idleMs: ms, maxExempt: 0 }, now);
  }

  /** Counts a new connection, or refuses it (ERROR, close, a rate-limited line). */
  admit(conn: Conn): boolean {
    if (this.guard.admit(conn)) {
      conn.onClose(() => this.guard.release(conn));
      return true;
    }
    const reason = `too many connections that have not said who they are (${this.guard.limits.max})`;
    this.#note("full", (more) => log.warn(`refusing {remote}: {reason}${more}`, { remote: conn.remote, reason }));
    refuse(conn, reason);
    return false;
  }

  /** Bytes arrived before the connection said who it is; `partial` when a packet is incomplete. */
  heard(conn: Conn, partial: boolean): void {
    this.guard.heard(conn, partial);
  }

  /** The connection said who it is: these limits no longer apply to it. */
  identified(conn: Conn): void {
    this.guard.release(conn);
  }

  /** Closes the strangers past a deadline; checks descriptors once a second. Call often. */
  tick(): void {
    for (const [conn, why] of this.guard.sweep()) {
      const reason = `${why} without saying who it is`;
      this.#note(why, (more) => log.info(`closing {remote}: {reason}${more}`, { remote: conn.remote, reason }));
      refuse(conn, reason);
    }
    const now = this.now();
    if (now - this.#lastFdCheck < 1000 || this.#fileLimit === undefined || this.#fileLimit === Infinity) return;
    this.#lastFdCheck = now;
    const left = fdsLeft(this.#fileLimit);
    if (left !== undefined && left <= FD_MARGIN) {
      this.#note("fds", (more) =>
        log.error(`running out of file descriptors: {left} of {limit} left; raise the limit (ulimit -n, LimitNOFILE=)${more}`, {
          left,
          limit: this.#fileLimit,
        }),
      );
    }
  }

  #note(key: string, write: (more: string) => void): void {
    const left = this.#limiter.take(key);
    if (left !== undefined) write(leftOut(left));
  }
}

function refuse(conn: Conn, reason: string): void {
  conn.write(encodePacket(encodeMessage({ type: "ERROR", reason })));
  conn.close();
}
