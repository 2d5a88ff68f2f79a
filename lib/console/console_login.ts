/**
 * `zeus console-login`: an admin client (by certificate, or local in plain mode) asks zeus
 * for a one-time link that makes a browser an admin of zeus's console for a while.
 *
 * @module
 */
import type { AdminCommandSpec, AdminHandler } from "../admin/mod.ts";
import { AdminError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import { type ConsoleAuth, LINK_TTL_MS, SESSION_TTL_MS } from "./console_auth.ts";

const log = getLogger("zeus", "console");

/**
 * The server side: mints a login link for the admin who asks.
 *
 * @param base the console's address ("http://127.0.0.1:4041"), undefined when zeus serves no stats
 * @example
 * ```ts
 * import type { ConsoleAuth } from "./console_auth.ts";
 * declare const auth: ConsoleAuth, commands: Record<string, AdminHandler<unknown>>;
 * commands["console-login"] = consoleLoginHandler(auth, () => "http://127.0.0.1:4041");
 * ```
 */
export function consoleLoginHandler<C>(auth: ConsoleAuth, base: () => string | undefined): AdminHandler<C> {
  return ({ who }) => {
    const at = base();
    if (!at) throw new AdminError("no-console", "zeus serves no console: start it with --stats ADDR:PORT");
    const token = auth.link(who);
    log.info("console login link issued to admin {who}, valid {s} s", { who, s: LINK_TTL_MS / 1000 });
    return { url: `${at}/ui/login?token=${token}`, link_s: String(LINK_TTL_MS / 1000), session_s: String(SESSION_TTL_MS / 1000) };
  };
}

/** `zeus console-login`: the client side. */
export const CONSOLE_LOGIN: AdminCommandSpec = {
  bin: "zeus",
  help: `zeus console-login: prints a link that makes a browser an admin of zeus's web console
(drain, undrain, log tails, ...). The link works once, within a minute; the browser's
session then lasts an hour. Without it a browser reads only, unless zeus runs without
client certificates and the browser is on a loopback address.

Usage:
  zeus console-login [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]`,
  command: "console-login",
  positionals: [],
  vars: () => ({}),
  print: (r) => `${r.url}\n(open it within ${r.link_s} s; it works once, and the session lasts ${Number(r.session_s) / 60} min)`,
};
