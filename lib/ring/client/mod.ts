/**
 * The ring client library: {@link RingClient} publishes messages (retried under the same
 * id on another node when one goes away), {@link RingListener} subscribes to a node.
 *
 * @example
 * ```ts
 * import { RingClient } from "./mod.ts";
 * const client = new RingClient({ servers: [{ host: "127.0.0.11", port: 55552 }] });
 * await client.publish("hello");
 * await client.close();
 * ```
 *
 * @module
 */
export { RingClient, type RingClientOptions, type Sent } from "./ring_client.ts";
export { type IncomingRequest, Responder, type ResponderOptions } from "./responder.ts";
export { NoReplyError } from "./reply_watch.ts";
export { type ReplyMessage, type RequestMessage } from "./request_format.ts";
export { RingListener, type RingListenerOptions } from "./listener.ts";
export { type RingEvent } from "./node_link.ts";
export { type PickPolicy, ServerPicker } from "./picker.ts";
export { contentLengthRange, contentProblem, pzogMessage, randomContent } from "./content.ts";
export { MessageIds, newClientId } from "./ids.ts";
export { loadClientTls, type TlsFlags, type TlsPaths, tlsPaths } from "./client_tls.ts";
export { DEFAULT_CLIENT_PORT } from "./servers.ts";
