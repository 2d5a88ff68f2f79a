/**
 * The admin side of the Zeus protocol: its frames, the server's hub (HELLO verdict,
 * requests, stream hand-off), and the client with its command-line flags.
 *
 * @example
 * ```ts
 * import { AdminConnection, adminClientOptions } from "./mod.ts";
 * const conn = await AdminConnection.open(await adminClientOptions({ zeus: "127.0.0.1:4040" }));
 * ```
 *
 * @module
 */
export { type AdminCandidate, type AdminVerdict, adminVerdict, type AdminWording, isLoopback } from "./auth.ts";
export { type AdminClientOptions, AdminConnection, adminRequest, type ClientStream, type StreamHandlers } from "./client.ts";
export {
  ADMIN_CLIENT_FLAGS,
  ADMIN_CLIENT_HELP,
  ADMIN_EXIT_HELP,
  adminClientOptions,
  type AdminCommandSpec,
  adminExitCode,
  defineAdminCommand,
  openFollowingLeader,
  runAdminCommand,
} from "./client_cli.ts";
export {
  ADMIN,
  ADMIN_PROTO,
  type AdminFrame,
  type AdminType,
  decodeAdminFrame,
  encodeAdminFrame,
  INITIAL_WINDOW,
  isAdminType,
  MAX_DATA,
  type StreamFrameBody,
  type StreamOpen,
} from "./frames.ts";
export { type AdminHandler, AdminHub, type AdminHubIO, type AdminHubOptions, type AdminRequest, type StreamRouter } from "./hub.ts";
