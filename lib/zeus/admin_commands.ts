/**
 * zeus's admin commands: the registry the admin layer (lib/admin/hub.ts) dispatches
 * REQUEST frames to. A new command is one entry here: a handler from the request's vars
 * (and who asked) to the reply's vars; throw AdminError(code, message) to fail.
 *
 * @module
 */
import type { AdminHandler } from "../admin/hub.ts";
import { VERSION } from "../cli/version.ts";
import type { Coordinator } from "./coordinator.ts";

/** What zeus lends its admin command handlers. */
export interface ZeusAdminContext {
  core: Coordinator;
  vassalsDir: string;
}

/**
 * Every admin command zeus answers, by name.
 *
 * @example
 * ```ts
 * // client side: await adminRequest(opts, "ping") → { who: "127.0.0.1:51234", version: "0.1.0" }
 * ```
 */
export const ZEUS_ADMIN_COMMANDS: Readonly<Record<string, AdminHandler<ZeusAdminContext>>> = {
  /** Who zeus takes the caller for, and its version: checks that admin access works. */
  ping: ({ who }) => ({ who, version: VERSION }),
};
