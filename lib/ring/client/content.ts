/**
 * pzog message content: the random lines sprog sends by default, and the framing of any
 * content into a message (wrapping digit, content, CRLF).
 *
 * @module
 */
/** Largest pzog message in bytes, wrapping byte and CRLF included (messages are < 512). */
export const MAX_MESSAGE_BYTES = 511;

/** Largest content in UTF-8 bytes: the message less its wrapping byte and CRLF. */
export const MAX_CONTENT_BYTES = MAX_MESSAGE_BYTES - 3;

/** The wrapping digit a client puts on its messages; the node it reaches re-wraps them. */
export const CLIENT_WRAPPING = "0";

/**
 * Columns of an access.log line that are not content: `zog` writes `20261122T030442Z `
 * (a 16-character compact UTC timestamp and a space) before the content, so 63 characters
 * of content make an 80-column line.
 */
export const ACCESS_LOG_PREFIX_COLUMNS = 17;

/** Widest access.log line random content may produce. */
export const LOG_LINE_COLUMNS = 80;

/** Random content length bounds (inclusive) from the seed: 32 to 63 characters. */
export const CONTENT_MIN = 32;
export const CONTENT_MAX = 63;

/**
 * The inclusive length range of random content so that a log line with `prefixColumns`
 * before the content stays within {@link LOG_LINE_COLUMNS}: the seed's 32–63, shortened
 * at the top (never below 1) when the prefix is wide.
 *
 * @example
 * ```ts
 * contentLengthRange(); // [32, 63]: 17 + 63 = 80 columns
 * contentLengthRange(28); // [32, 52]
 * ```
 */
export function contentLengthRange(prefixColumns = ACCESS_LOG_PREFIX_COLUMNS): [number, number] {
  const max = Math.max(1, Math.min(CONTENT_MAX, LOG_LINE_COLUMNS - prefixColumns));
  return [Math.min(CONTENT_MIN, max), max];
}

/** A source of uniform floats in [0, 1), injected so tests can fix it. */
export type Random = () => number;

/**
 * Random printable content: visible ASCII (`!` to `~`, no spaces so the line has no
 * trailing blanks), its length uniform in {@link contentLengthRange}.
 *
 * @example
 * ```ts
 * randomContent(); // "q7#Lk...": 32–63 characters
 * ```
 */
export function randomContent(random: Random = Math.random, prefixColumns = ACCESS_LOG_PREFIX_COLUMNS): string {
  const [min, max] = contentLengthRange(prefixColumns);
  const length = min + Math.floor(random() * (max - min + 1));
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCharCode(0x21 + Math.floor(random() * 94));
  return s;
}

const encoder = new TextEncoder();

/**
 * Why `content` cannot be sent as one pzog message, or undefined when it can: it must not
 * hold CR or LF (the message ends at its CRLF) and must fit in {@link MAX_CONTENT_BYTES}.
 *
 * @example
 * ```ts
 * contentProblem("a\nb"); // "it holds a line break"
 * ```
 */
export function contentProblem(content: string): string | undefined {
  if (/[\r\n]/.test(content)) return "it holds a line break";
  // Counted, not encoded (no copy of each message only to measure it); a UTF-16 unit is 3 bytes at most.
  if (content.length * 3 <= MAX_CONTENT_BYTES) return undefined;
  const bytes = Buffer.byteLength(content);
  if (bytes > MAX_CONTENT_BYTES) return `it is ${bytes} bytes of UTF-8, more than the ${MAX_CONTENT_BYTES} a message holds`;
  return undefined;
}

/**
 * Frames content as a pzog message: wrapping digit, UTF-8 content, CRLF.
 *
 * @throws {RangeError} when {@link contentProblem} finds the content unsendable
 * @example
 * ```ts
 * new TextDecoder().decode(pzogMessage("hello")); // "0hello\r\n"
 * ```
 */
export function pzogMessage(content: string): Uint8Array {
  const problem = contentProblem(content);
  if (problem) throw new RangeError(`cannot send "${preview(content)}": ${problem}`);
  return encoder.encode(`${CLIENT_WRAPPING}${content}\r\n`);
}

function preview(s: string): string {
  const flat = s.replace(/\r/g, "\\r").replace(/\n/g, "\\n");
  return flat.length > 40 ? `${flat.slice(0, 37)}...` : flat;
}
