/**
 * The web-console toolkit both daemons use: browser sessions and one-time login links,
 * request guards, server-sent snapshots, log tails, the embedded page files, and zog's
 * console (zeus's is lib/zeus/zeus_console.ts).
 *
 * @example
 * ```ts
 * import { SnapshotStream, staticFile } from "./mod.ts";
 * ```
 *
 * @module
 */
export { ConsoleAuth, type ConsoleAuthOptions, LINK_TTL_MS, SESSION_TTL_MS, type Viewer } from "./console_auth.ts";
export { CONSOLE_LOGIN, consoleLoginHandler } from "./console_login.ts";
export { ConsoleLogs } from "./console_logs.ts";
export { SnapshotStream, type SnapshotStreamOptions, SSE_HEADERS, sseEvent } from "./event_stream.ts";
export { sameSite, sessionCookie, sessionOf } from "./request_guard.ts";
export { type ConsolePage, consoleSizes, SECURITY_HEADERS, staticFile } from "./static_files.ts";
export { type Console, type ConsolePeer, type RingSnapshot, zogConsole, type ZogConsoleOptions } from "./zog_console.ts";
