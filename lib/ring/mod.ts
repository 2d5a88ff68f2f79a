/**
 * The ring's rules and protocol, for people who embed them: the forwarding rule, message
 * validity, and the org.xlattice.pzog message types.
 *
 * @example
 * ```ts
 * import { forwardHops } from "./mod.ts";
 * forwardHops(5, 0, "client"); // [{ node: 1, wrapping: 2 }, { node: 2, wrapping: 2 }]
 * ```
 *
 * @module
 */
export { fanOut, forwardHops, type Hop, takeoverHop } from "./forwarding.ts";
export { accessLine, checkMessage, type InvalidMessage, MESSAGE_LIMIT, type ValidMessage } from "./message.ts";
export { ID_RE, readRingPacket, RING_PROTO, type RingMessage, ringPacket, RingType, ringTypeName } from "./protocol.ts";
