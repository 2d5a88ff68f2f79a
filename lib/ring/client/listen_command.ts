/**
 * `sprog listen`: prints every message one node logs, one line each, until stopped.
 *
 * @module
 */
import type { HostPort } from "../../tls/endpoint.ts";
import type { TlsClientFiles } from "../../tls/files.ts";
import { getLogger } from "../../log/logging.ts";
import { RingListener } from "./listener.ts";
import type { RingEvent } from "./node_link.ts";

const log = getLogger("sprog", "listen");

/**
 * One output line for a message: origin node, id and content (the wrapping digit and CRLF
 * dropped).
 *
 * @example
 * ```ts
 * formatEvent({ id: "c5-1", node: "MV", msg: "0hello\r\n" }); // "MV c5-1 hello"
 * ```
 */
export function formatEvent(ev: RingEvent): string {
  const content = ev.msg.replace(/^[0-9]/, "").replace(/\r\n$/, "");
  return `${ev.node || "-"} ${ev.id} ${content}`;
}

/**
 * Listens to `server` until SIGINT/SIGTERM; returns exit code 0.
 *
 * @example
 * ```ts
 * await listenCommand({ server: { host: "127.0.0.11", port: 55552 }, prefix: "alert" });
 * ```
 */
export async function listenCommand(opts: { server: HostPort; tls?: TlsClientFiles; prefix?: string }): Promise<number> {
  const where = `${opts.server.host}:${opts.server.port}`;
  const listener = new RingListener({
    ...opts,
    onMessages: (evs) => process.stdout.write(`${evs.map(formatEvent).join("\n")}\n`),
    onState: (state, err) => {
      if (state === "up") log.info("listening to {where}{prefix}", { where, prefix: opts.prefix ? ` (prefix "${opts.prefix}")` : "" });
      else log.warning("{reason}; reconnecting", { reason: err?.message ?? `lost ${where}` });
    },
  });
  listener.start();
  await new Promise<void>((res) => {
    process.once("SIGINT", res);
    process.once("SIGTERM", res);
  });
  listener.stop();
  return 0;
}
