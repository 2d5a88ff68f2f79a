/**
 * Connections that have not said who they are yet (zeus's port before I_AM_ALIVE or an
 * admin HELLO, zog's peer port before HELLO): at most `max` at once, each closed if it
 * stops in the middle of a packet for 10 s or says nothing for 10 s. Once identified, a
 * connection leaves these limits (emperors have --dead-after, peers their keepalive, admin
 * clients their own rules), so a flood of strangers never takes the room of those who said
 * who they are. Refusals, closings and (optionally) a shortage of descriptors are logged,
 * rate-limited.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { leftOut, LogLimiter } from "../log/mod.ts";
import { ConnGuard } from "./conn_guard.ts";
import { fdsLeft, openFileLimit } from "./fd_budget.ts";
import type { Conn } from "./types.ts";

/** Connections at once that have not said who they are (default). */
export const MAX_STRANGERS = 64;
/** How long a stranger may take to say who it is, or stop in the middle of a packet. */
export const STRANGER_MS = 10_000;
const FD_MARGIN = 8;

/** Options of {@link Strangers}. */
export interface StrangersOptions {
  /** Where the lines go. */
  log: Logger;
  /** Answers a refused or timed-out connection (an ERROR in its protocol), then closes it. */
  refuse: (conn: Conn, reason: string) => void;
  max?: number;
  ms?: number;
  /** Also log when descriptors run short (once per process is enough). */
  watchFds?: boolean;
  now?: () => number;
}

/**
 * The guard of a port for unidentified connections.
 *
 * @example
 * ```ts
 * const strangers = new Strangers({ log, refuse: (c, why) => { c.write(new TextEncoder().encode(why)); c.close(); } });
 * const onConn = (conn: Conn) => { if (!strangers.admit(conn)) return; strangers.identified(conn) }; // once it said who it is
 * setInterval(() => strangers.tick(), 100);
 * ```
 */
export class Strangers {
  readonly guard: ConnGuard<Conn>;
  readonly #opts: StrangersOptions;
  readonly #limiter = new LogLimiter();
  readonly #fileLimit: number | undefined;
  #lastFdCheck = 0;
  /** ms between two checks of the descriptors left: a second, or longer when a check is slow. */
  #fdCheckEvery = 1000;

  constructor(opts: StrangersOptions) {
    this.#opts = opts;
    const ms = opts.ms ?? STRANGER_MS;
    this.guard = new ConnGuard({ max: opts.max ?? MAX_STRANGERS, partialMs: ms, idleMs: ms, maxExempt: 0 }, opts.now ?? Date.now);
    this.#fileLimit = opts.watchFds ? openFileLimit() : undefined;
  }

  /** Counts a new connection, or refuses it (ERROR, close, a rate-limited line). */
  admit(conn: Conn): boolean {
    if (this.guard.admit(conn)) {
      conn.onClose(() => this.guard.release(conn));
      return true;
    }
    const reason = `too many connections that have not said who they are (${this.guard.limits.max})`;
    this.#note("full", (more) => this.#opts.log.warn(`refusing {remote}: {reason}${more}`, { remote: conn.remote, reason }));
    this.#opts.refuse(conn, reason);
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

  /** Closes the strangers past a deadline; checks descriptors at most once a second (and 1 % of the time). Call often. */
  tick(): void {
    for (const [conn, why] of this.guard.sweep()) {
      const reason = `${why} without saying who it is`;
      this.#note(why, (more) => this.#opts.log.info(`closing {remote}: {reason}${more}`, { remote: conn.remote, reason }));
      this.#opts.refuse(conn, reason);
    }
    const now = this.guard.now();
    if (now - this.#lastFdCheck < this.#fdCheckEvery || this.#fileLimit === undefined || this.#fileLimit === Infinity) return;
    this.#lastFdCheck = now;
    const start = performance.now();
    const left = fdsLeft(this.#fileLimit);
    // Reading /proc/self/fd took 26 ms a second with 5 000 emperors connected: at most 1 % of the loop.
    this.#fdCheckEvery = Math.max(1000, 100 * (performance.now() - start));
    if (left !== undefined && left <= FD_MARGIN) {
      this.#note("fds", (more) =>
        this.#opts.log.error(`running out of file descriptors: {left} of {limit} left; raise the limit (ulimit -n, LimitNOFILE=)${more}`, {
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
