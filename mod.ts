/**
 * The zog library: uwsgi packet framing (byte-compatible with uWSGI), shared by the `zog`
 * ring daemon, the `sprog` client, the `zeus` coordinator and the `emperor` supervisor.
 *
 * @example
 * ```ts
 * import { encodePacket, encodeVars, PacketDecoder } from "./mod.ts";
 * const request = encodePacket({ modifier1: 0, modifier2: 0, payload: encodeVars({ PATH_INFO: "/" }) });
 * ```
 *
 * @module
 */
export * from "./lib/packet/mod.ts";
// The Zeus protocol (zeus ↔ emperor).
export * from "./lib/zeus_protocol/mod.ts";
export * from "./lib/zeus/mod.ts";
export * from "./lib/ring/mod.ts";
export {
  type IncomingRequest,
  MessageIds,
  NoReplyError,
  type ReplyMessage,
  type RequestMessage,
  Responder,
  type ResponderOptions,
  RingClient,
  type RingClientOptions,
  type RingEvent,
  RingListener,
  type RingListenerOptions,
  type Sent,
} from "./lib/ring/client/mod.ts";
