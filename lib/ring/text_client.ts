/**
 * The client port's two forms: ring packets (a first byte of 222, modifier1) and the seed's
 * own text lines (a first byte that is a wrapping digit), as the original pzogd took them:
 * each CRLF-ended line one message, answered `ok\r\n` once durable or `error REASON\r\n`;
 * `quit` closes. Inside TLS when the ring uses TLS (the port's TLS is below both).
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import type { Conn, ConnGuard } from "../net/mod.ts";
import { getLogger } from "../log/mod.ts";
import { fanOut } from "./forwarding.ts";
import { CLIENT_UNREAD_LIMIT, serveClient } from "./inbound.ts";
import { checkMessage, MESSAGE_LIMIT } from "./message.ts";
import { QUORUM_WAIT_MS } from "./quorum.ts";
import type { ZogNode } from "./node.ts";
import { InOrder, TextLines } from "./text_lines.ts";

const log = getLogger("zog", "conn");
const encoder = new TextEncoder();

/** Text clients send no ids: the node gives each line one, unique to this process (`t-` 12 hex `-` count). */
const ID_PREFIX = `t-${randomBytes(6).toString("hex")}-`;
let lineCount = 0;

/** Whether a connection whose first byte is `b` speaks text lines (a wrapping digit) rather than packets. */
export function isTextStart(b: number): boolean {
  return b >= 48 && b <= 57;
}

/**
 * Serves a connection accepted on the client port in the form its first byte says.
 *
 * @example
 * ```ts
 * import type { ClientPort } from "./client_port.ts";
 * declare const port: ClientPort;
 * listen({ host, port: self.clientPort, onConn: (c) => void (port.admit(c) && serveClientPort(node, c, port.guard)) });
 * ```
 */
export function serveClientPort(node: ZogNode, conn: Conn, guard?: ConnGuard<Conn>): void {
  let decided = false;
  conn.onData((chunk) => {
    if (decided || chunk.length === 0) return;
    decided = true;
    if (isTextStart(chunk[0]!)) serveTextClient(node, conn, chunk, guard);
    else serveClient(node, conn, guard, chunk);
  });
}

/** The `error` line for `reason`: one line, whatever the reason holds. */
function errorLine(reason: string): string {
  return `error ${reason.replace(/[\r\n]+/g, " ")}\r\n`;
}

/**
 * Serves a text client from its `first` chunk on: each line is checked as a pzog message
 * (error.log and `error REASON` when invalid), submitted like a client's DATA under an id
 * of the node's, and answered in order.
 */
export function serveTextClient(node: ZogNode, conn: Conn, first: Uint8Array, guard?: ConnGuard<Conn>): void {
  log.debug("text client connected from {remote}", { remote: conn.remote });
  const lines = new TextLines();
  const answers = new InOrder((text) => conn.write(encoder.encode(text)));
  let quitting = false;
  const quitWhenDone = () => quitting && answers.pending === 0 && conn.close();
  const take = (bytes: Uint8Array) => {
    const slot = answers.slot();
    const check = checkMessage(bytes, fanOut(node.nodes.length));
    if (!check.ok) {
      node.invalid(`client ${conn.remote}`, check.reason, bytes);
      return answers.answer(slot, errorLine(check.reason));
    }
    node.submit({
      id: `${ID_PREFIX}${++lineCount}`,
      content: check.content,
      from: "client",
      wrapping: check.wrapping,
      origin: node.self.index,
      quorumMs: node.ackMode === "quorum" ? QUORUM_WAIT_MS : undefined,
      reply: (error) => {
        answers.answer(slot, error ? errorLine(error) : "ok\r\n");
        quitWhenDone();
      },
    });
  };
  const receive = (chunk: Uint8Array) => {
    if (conn.closed || quitting) return;
    for (const line of lines.push(chunk)) {
      if (line.kind === "overlong") {
        const reason = `too long: a message is shorter than ${MESSAGE_LIMIT} bytes`;
        node.invalid(`client ${conn.remote}`, reason, line.bytes);
        answers.answer(answers.slot(), errorLine(reason));
      } else if (/^quit\r?\n$/i.test(new TextDecoder().decode(line.bytes))) {
        quitting = true;
        return quitWhenDone();
      } else take(line.bytes);
    }
    // A client that sends without reading its answers would grow them without bound.
    if (conn.bufferedBytes > CLIENT_UNREAD_LIMIT) {
      log.warn("closing text client {remote}: answers not read", { remote: conn.remote });
      return conn.close();
    }
    guard?.heard(conn, lines.buffered > 0);
  };
  conn.onData(receive);
  receive(first);
}
