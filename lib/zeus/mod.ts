/**
 * The Zeus protocol for embedders: message codec, config chunking, placement.
 *
 * @module
 */
export {
  decodeMessage,
  encodeMessage,
  FROM_EMPEROR,
  FROM_ZEUS,
  MSG,
  type MsgType,
  type ReportedVassal,
  type ZeusMessage,
} from "./messages.ts";
export { ConfigAssembler, configMessages, reportMessages, sha256Hex } from "./config_transfer.ts";
export { choose, placeAll, type Slot, type Want } from "./placement.ts";
