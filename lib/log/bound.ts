/**
 * Bounding what came from a peer before it goes into a reply or a log line: a name a client
 * sent may be megabytes long, and a reply var holds at most 65535 bytes. Whatever quotes
 * input quotes it through here.
 *
 * @module
 */

/** How many bytes of input a reply or a log line quotes by default. */
export const QUOTE_BYTES = 200;

const utf8 = new TextEncoder();

/** The longest prefix of `text` of at most `max` UTF-8 bytes, never cutting a character. */
function prefix(text: string, max: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const n = ch.length === 2 ? 4 : (ch.codePointAt(0) ?? 0) < 0x80 ? 1 : (ch.codePointAt(0) ?? 0) < 0x800 ? 2 : 3;
    if (bytes + n > max) break;
    bytes += n;
    end += ch.length;
  }
  return text.slice(0, end);
}

/**
 * `text` as it is when it holds at most `max` UTF-8 bytes, else its first `max` bytes
 * followed by "…(N bytes)", N being the whole input's size.
 *
 * @param text input from a peer (a name, a reason, a path)
 * @param max how many of its bytes to keep (default {@link QUOTE_BYTES})
 * @example
 * ```ts
 * clipInput("n1"); // "n1"
 * clipInput("a".repeat(100_000), 3); // "aaa…(100000 bytes)"
 * ```
 */
export function clipInput(text: string, max = QUOTE_BYTES): string {
  // Cheap test first: a string of at most max/3 UTF-16 units has at most `max` bytes.
  if (text.length * 3 <= max) return text;
  const size = utf8.encode(text).byteLength;
  return size <= max ? text : `${prefix(text, max)}…(${size} bytes)`;
}

/**
 * `text` in double quotes (as JSON writes a string), bounded by {@link clipInput}: the
 * way a reply or a log line names a value a peer sent.
 *
 * @param text input from a peer
 * @param max how many of its bytes to keep (default {@link QUOTE_BYTES})
 * @example
 * ```ts
 * quoteInput("n1"); // "\"n1\""
 * quoteInput("a".repeat(100_000), 3); // "\"aaa\"…(100000 bytes)"
 * ```
 */
export function quoteInput(text: string, max = QUOTE_BYTES): string {
  const clipped = clipInput(text, max);
  if (clipped === text) return JSON.stringify(text);
  const cut = clipped.slice(0, clipped.lastIndexOf("…("));
  return `${JSON.stringify(cut)}${clipped.slice(cut.length)}`;
}
