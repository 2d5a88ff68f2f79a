/**
 * Who may act through zeus's console: SPEC §4's admin rule carried to a browser. In plain
 * mode (no client certificates) a browser on a loopback address is an admin, as a local
 * admin client is. Otherwise a browser becomes one only by opening a login link that
 * `zeus console-login` printed for an admin client (a certificate named by `--admin`):
 * the link's token works once, within {@link LINK_TTL_MS}; it opens a session (a cookie)
 * that lasts {@link SESSION_TTL_MS}. Everyone else reads. Pure apart from the injected
 * clock and randomness.
 *
 * @module
 */
import { adminVerdict } from "../admin/mod.ts";

/** How long a login link works. */
export const LINK_TTL_MS = 60_000;
/** How long a console session lasts. */
export const SESSION_TTL_MS = 60 * 60_000;
/** Links and sessions kept at most (the oldest go first). */
const MAX_KEPT = 256;

/** A browser's standing: an admin (as `who`, for every log line) or a reader (and why). */
export type Viewer = { admin: true; who: string; session?: true } | { admin: false; why: string };

/** Options of {@link ConsoleAuth}. */
export interface ConsoleAuthOptions {
  /** zeus requires client certificates (`--client-ca`). */
  clientCerts: boolean;
  /** `--admin NAME`s. */
  admins: readonly string[];
  now?: () => number;
  /** A fresh secret (hex); default 32 random bytes. */
  secret?: () => string;
}

function randomHex(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
}

/**
 * Login links, sessions and the verdict on each request.
 *
 * @example
 * ```ts
 * const auth = new ConsoleAuth({ clientCerts: true, admins: ["ops"] });
 * const token = auth.link("ops");          // printed by `zeus console-login`
 * const session = auth.redeem(token);       // the browser opens the link: a cookie
 * auth.viewer("10.0.0.7:5123", session);    // { admin: true, who: "ops" }
 * ```
 */
export class ConsoleAuth {
  #links = new Map<string, { who: string; until: number }>();
  #sessions = new Map<string, { who: string; until: number }>();
  readonly #now: () => number;
  readonly #secret: () => string;

  constructor(readonly opts: ConsoleAuthOptions) {
    this.#now = opts.now ?? Date.now;
    this.#secret = opts.secret ?? randomHex;
  }

  /** A new login link's token for admin `who`. */
  link(who: string): string {
    const token = this.#secret();
    keep(this.#links, token, { who, until: this.#now() + LINK_TTL_MS });
    return token;
  }

  /** Opens a session for a link's token (once, before it expires); undefined when it is not valid. */
  redeem(token: string): string | undefined {
    const l = this.#links.get(token);
    this.#links.delete(token);
    if (!l || l.until < this.#now()) return undefined;
    const session = this.#secret();
    keep(this.#sessions, session, { who: l.who, until: this.#now() + SESSION_TTL_MS });
    return session;
  }

  /** The standing of a request from `remote` ("ip:port") carrying `session` (its cookie), if any. */
  viewer(remote: string, session: string | undefined): Viewer {
    const s = session ? this.#sessions.get(session) : undefined;
    if (s && s.until >= this.#now()) return { admin: true, who: s.who, session: true };
    if (s) this.#sessions.delete(session!);
    if (!this.opts.clientCerts) {
      const v = adminVerdict({ remote, certNames: [], clientCerts: false, admins: this.opts.admins });
      return v.ok ? { admin: true, who: v.who } : { admin: false, why: `read-only: ${v.reason}` };
    }
    return {
      admin: false,
      why: "read-only: to act, open a login link printed by `zeus console-login` (run with an admin certificate)",
    };
  }

  /** Ends a session (log out). */
  end(session: string | undefined): void {
    if (session) this.#sessions.delete(session);
  }
}

function keep<V extends { until: number }>(m: Map<string, V>, key: string, v: V): void {
  m.set(key, v);
  while (m.size > MAX_KEPT) m.delete(m.keys().next().value!);
}
