/**
 * uwsgi packet framing and vars payloads, byte-compatible with uWSGI.
 *
 * @module
 */
export { PacketError } from "../errors.ts";
export { encodePacket, encodePackets, encodeVarsPacket, HEADER_SIZE, MAX_PAYLOAD, type Packet, packetSize, writePacket } from "./packet.ts";
export { asBuffer, decodeVars, decodeVarsBytes, encodeVars } from "./vars.ts";
export { PacketDecoder, type PacketDecoderOptions } from "./decoder.ts";
export { RING_MODIFIER1, ZEUS_MODIFIER1 } from "./families.ts";
