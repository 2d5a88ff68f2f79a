/**
 * Requests and replies as ring messages (seed 004's request/response): their contents and
 * ids. Pure.
 *
 * - A request is a message `@request SERVICE DEADLINE TEXT` under an id `q-CLIENT-<ms base 36>-<n>`;
 *   DEADLINE is the time in ms since the epoch after which nobody waits for the answer,
 *   or `-` (an asynchronous request: answer whenever).
 * - Its reply is a message `@reply REQUEST_ID CODE TEXT` under the id `r-REQUEST_ID`, so a
 *   request answered twice (a redelivery) is logged once. CODE is the responder's exit
 *   code, with `+` when TEXT was cut to fit; TEXT is escaped to one line.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { MAX_CONTENT_BYTES } from "./content.ts";

/** Service names: what a group name may hold, shorter. */
export const SERVICE_RE = /^[A-Za-z0-9._-]{1,48}$/;

/** A request read from a message. */
export interface RequestMessage {
  service: string;
  /** ms since the epoch; undefined for an asynchronous request. */
  deadline: number | undefined;
  text: string;
}

/** A reply read from a message. */
export interface ReplyMessage {
  requestId: string;
  code: number;
  /** Whether the output was cut to fit in one message. */
  cut: boolean;
  text: string;
}

/** The content prefix of SERVICE's requests (what its responders subscribe to). */
export function requestPrefix(service: string): string {
  return `@request ${service} `;
}

/** The content prefix of the reply to request `id`. */
export function replyPrefix(id: string): string {
  return `@reply ${id} `;
}

/**
 * A request id: `q-`, the requesting client's tag (10 hex digits), `-`, the time in ms base
 * 36, `-`, a count. A client's replies then share the prefix {@link clientReplyPrefix}.
 *
 * @example
 * ```ts
 * requestId("3f9a0c11e2", Date.parse("2026-12-06T00:00:00Z"), 1); // "q-3f9a0c11e2-miq6d2o0-1"
 * ```
 */
export function requestId(client: string, now: number, count: number): string {
  return `q-${client}-${now.toString(36)}-${count}`;
}

/** A fresh client tag for {@link requestId}: 10 random hex digits. */
export function newRequestClient(): string {
  return randomBytes(5).toString("hex");
}

/** The content prefix of every reply to the requests of client `client`. */
export function clientReplyPrefix(client: string): string {
  return `@reply q-${client}-`;
}

/** When request `id` was made (ms since the epoch), or undefined for an id not made by {@link requestId}. */
export function requestTime(id: string): number | undefined {
  const m = /^q-[0-9a-f]{10}-([0-9a-z]{1,11})-[0-9]+$/.exec(id);
  return m ? parseInt(m[1]!, 36) : undefined;
}

/** The id of the reply to request `id`. */
export function replyId(id: string): string {
  return `r-${id}`.slice(0, 64);
}

/**
 * The content of a request.
 *
 * @throws {RangeError} on a bad service name, or a text that does not fit one message
 * @example
 * ```ts
 * requestContent("uptime", 1765000000000, "how long?"); // "@request uptime 1765000000000 how long?"
 * ```
 */
export function requestContent(service: string, deadline: number | undefined, text: string): string {
  if (!SERVICE_RE.test(service)) throw new RangeError(`service "${service}" may hold only letters, digits, ".", "_" and "-" (1-48)`);
  if (/[\r\n]/.test(text)) throw new RangeError("a request's text is one line: it holds a line break");
  const content = `${requestPrefix(service)}${deadline === undefined ? "-" : Math.round(deadline)} ${text}`;
  const bytes = Buffer.byteLength(content);
  if (bytes > MAX_CONTENT_BYTES) {
    throw new RangeError(`the request is ${bytes} bytes with its header, more than the ${MAX_CONTENT_BYTES} a message holds`);
  }
  return content;
}

/** Reads a request's content, or undefined when it is none. */
export function parseRequest(content: string): RequestMessage | undefined {
  const m = /^@request ([A-Za-z0-9._-]{1,48}) (-|[0-9]{1,15}) (.*)$/s.exec(content);
  if (!m) return undefined;
  return { service: m[1]!, deadline: m[2] === "-" ? undefined : Number(m[2]), text: m[3]! };
}

/**
 * The content of a reply: the output escaped to one line (`\\`, `\n`, `\r`, `\t`, `\xNN`
 * for other control characters), cut to fit in one message (CODE then ends with `+`).
 *
 * @example
 * ```ts
 * replyContent("q-1-ab", 0, "up 3 days\n"); // "@reply q-1-ab 0 up 3 days\\n"
 * ```
 */
export function replyContent(requestId: string, code: number, output: string): string {
  const head = (cut: boolean) => `${replyPrefix(requestId)}${code}${cut ? "+" : ""} `;
  const room = MAX_CONTENT_BYTES - Buffer.byteLength(head(true));
  let text = "";
  let used = 0;
  let cut = false;
  for (const ch of output) {
    const e = escapeChar(ch);
    const n = Buffer.byteLength(e);
    if (used + n > room) {
      cut = true;
      break;
    }
    text += e;
    used += n;
  }
  return head(cut) + text;
}

/** Reads a reply's content, or undefined when it is none. */
export function parseReply(content: string): ReplyMessage | undefined {
  const m = /^@reply (\S{1,64}) ([0-9]{1,3})(\+?) (.*)$/s.exec(content);
  if (!m) return undefined;
  return { requestId: m[1]!, code: Number(m[2]), cut: m[3] === "+", text: unescapeText(m[4]!) };
}

function escapeChar(ch: string): string {
  switch (ch) {
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
  }
  const c = ch.codePointAt(0)!;
  if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029) {
    return c > 0xff ? `\\u${c.toString(16).padStart(4, "0")}` : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return ch;
}

/**
 * Undoes the escaping of {@link replyContent}.
 *
 * @example
 * ```ts
 * unescapeText("a\\nb"); // "a\nb"
 * ```
 */
export function unescapeText(text: string): string {
  return text.replace(/\\(\\|n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4})/g, (_, e: string) => {
    if (e === "\\") return "\\";
    if (e === "n") return "\n";
    if (e === "r") return "\r";
    if (e === "t") return "\t";
    return String.fromCodePoint(parseInt(e.slice(1), 16));
  });
}
