/**
 * The Zeus protocol (zeus <-> emperor, modifier1 223), both sides of the wire: the
 * message codec, config chunking with its sha256, vassal reports and their reassembly.
 *
 * @example
 * ```ts
 * import { decodeMessage, encodeMessage } from "./mod.ts";
 * decodeMessage(encodeMessage({ type: "VASSAL_DESTROY", name: "web.toml" }), "zeus").type; // "VASSAL_DESTROY"
 * ```
 *
 * @module
 */
export {
  decodeMessage,
  encodeMessage,
  messageTerm,
  FROM_EMPEROR,
  FROM_ZEUS,
  MSG,
  type MsgType,
  type ReportedVassal,
  VASSAL_STATES,
  type VassalStateReport,
  type ZeusMessage,
} from "./messages.ts";
export { chunkSize, ConfigAssembler, configMessages, reportMessages, sha256Hex } from "./config_transfer.ts";
export {
  DIAL_TIMEOUT_MAX_MS,
  DIAL_TIMEOUT_MS,
  dialTimeoutMs,
  handshakeTimeoutMs,
  ONLY_ZEUS_HANDSHAKE_MS,
  ZEUS_HANDSHAKE_S,
} from "./dial_patience.ts";
