/**
 * pzog messages: validity and the lines they leave in access.log and error.log. Pure.
 *
 * @module
 */
import { escapeWire } from "../log/mod.ts";
import { isAscii } from "node:buffer";
import { asBuffer } from "../packet/mod.ts";

/** A pzog message is shorter than this many bytes, CRLF included. */
export const MESSAGE_LIMIT = 512;

/** A valid message, split into its parts. */
export interface ValidMessage {
  ok: true;
  wrapping: number;
  /** The content without the wrapping byte and the CRLF. */
  content: string;
}

/** An invalid message and why, in words for error.log. */
export interface InvalidMessage {
  ok: false;
  reason: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Checks a pzog message: one wrapping digit 0..`maxWrapping`, UTF-8 content without CR or
 * LF, then CRLF, shorter than {@link MESSAGE_LIMIT} bytes in all.
 *
 * @param maxWrapping the largest wrapping this ring uses (k = ceil((N-1)/2))
 * @example
 * ```ts
 * checkMessage(new TextEncoder().encode("0hello\r\n"), 2); // { ok: true, wrapping: 0, content: "hello" }
 * ```
 */
export function checkMessage(msg: Uint8Array, maxWrapping: number): ValidMessage | InvalidMessage {
  const n = msg.byteLength;
  if (n >= MESSAGE_LIMIT) return { ok: false, reason: `too long: ${n} bytes, a message is shorter than ${MESSAGE_LIMIT}` };
  if (n < 3 || msg[n - 2] !== 13 || msg[n - 1] !== 10) return { ok: false, reason: "not CRLF-terminated" };
  const w = msg[0]! - 48;
  if (w < 0 || w > 9) return { ok: false, reason: `wrapping byte 0x${msg[0]!.toString(16).padStart(2, "0")} is not a digit` };
  if (w > maxWrapping) return { ok: false, reason: `unknown wrapping ${w}: this ring uses 0..${maxWrapping}` };
  // The first CR and LF are looked for natively; the loop places one only to say where it is.
  if (msg.indexOf(13, 1) !== n - 2 || msg.indexOf(10, 1) !== n - 1) {
    let i = 1;
    while (msg[i] !== 13 && msg[i] !== 10) i++;
    return { ok: false, reason: `CR or LF at byte ${i} before the final CRLF` };
  }
  // ASCII (the usual content) is read natively; anything else must be valid UTF-8.
  if (isAscii(msg)) return { ok: true, wrapping: w, content: asBuffer(msg).toString("latin1", 1, n - 2) };
  try {
    return { ok: true, wrapping: w, content: utf8.decode(msg.subarray(1, n - 2)) };
  } catch {
    return { ok: false, reason: "content is not valid UTF-8" };
  }
}

/**
 * The message with its wrapping digit replaced, for forwarding.
 *
 * @example
 * ```ts
 * rewrap(new TextEncoder().encode("2hi\r\n"), 0); // bytes of "0hi\r\n"
 * ```
 */
export function rewrap(msg: Uint8Array, wrapping: number): Uint8Array {
  const out = msg.slice();
  out[0] = 48 + wrapping;
  return out;
}

/**
 * The compact UTC timestamp that starts access.log lines: 16 characters.
 *
 * @example
 * ```ts
 * compactStamp(new Date("2026-11-22T03:04:42Z")); // "20261122T030442Z"
 * ```
 */
export function compactStamp(d: Date): string {
  // Every commit asks; the answer changes once a second.
  const second = Math.floor(d.getTime() / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    stampText = d
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z");
  }
  return stampText;
}
let stampSecond = Number.NaN;
let stampText = "";

/**
 * One access.log line: `STAMP CONTENT` (the time this node logged it, then the content as
 * the client sent it, without the wrapping digit, which differs from node to node). For
 * 32–63 characters of content the line holds 49–80 characters.
 *
 * @example
 * ```ts
 * accessLine("20261122T030442Z", "hello"); // "20261122T030442Z hello\n"
 * ```
 */
export function accessLine(stamp: string, content: string): string {
  return `${stamp} ${content}\n`;
}

/**
 * One error.log line: ISO time, sender address, reason, then the first bytes of what was
 * received in quotes. Sender, reason and bytes are escaped ({@link escapeWire}, and `"` as
 * `\x22` inside the quotes), so whatever a client sent, the event stays one line.
 *
 * @example
 * ```ts
 * errorLine(new Date(0), "client 127.0.0.1:40000", "not CRLF-terminated", new TextEncoder().encode("0a\nb"));
 * // '1970-01-01T00:00:00.000Z client 127.0.0.1:40000 not CRLF-terminated: "0a\\x0ab"\n'
 * ```
 */
export function errorLine(when: Date, sender: string, reason: string, msg: Uint8Array): string {
  const preview = escapeWire(new TextDecoder().decode(msg.subarray(0, 120))).replaceAll('"', "\\x22");
  return `${when.toISOString()} ${escapeWire(sender)} ${escapeWire(reason)}: "${preview}"${msg.byteLength > 120 ? "…" : ""}\n`;
}
