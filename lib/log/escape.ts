/**
 * Escaping what came off the wire before it is logged: one event, one line, and nothing a
 * client sends can pass for a log line of its own or move an operator's terminal.
 *
 * @module
 */

// C0 controls, DEL, the C1 controls, the backslash (so an escape cannot be forged), and the
// Unicode line and paragraph separators.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\\\u2028\u2029]/g;
const UNSAFE_TEST = /[\x00-\x1f\x7f-\x9f\\\u2028\u2029]/;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, "0")}`;
}

/**
 * A value for a one-line log: control characters (C0, DEL, C1) and the backslash as
 * `\xNN`, U+2028 and U+2029 as `\u2028` and `\u2029`; everything else as it was.
 *
 * @example
 * ```ts
 * escapeWire("id\n2026 [ERR] forged"); // "id\\x0a2026 [ERR] forged"
 * ```
 */
export function escapeWire(text: string): string {
  return UNSAFE_TEST.test(text) ? text.replace(UNSAFE, escapeChar) : text;
}

const CONTROL = /[\x00-\x1f\x7f]/g;

/**
 * A formatted log record kept to one line: the control characters still in it (from a
 * message template, not from an escaped value) as `\xNN`, then one newline.
 *
 * @example
 * ```ts
 * oneLine("2026-12-01 [WRN] zog: a\nb\n"); // "2026-12-01 [WRN] zog: a\\x0ab\n"
 * ```
 */
export function oneLine(formatted: string): string {
  const body = formatted.endsWith("\n") ? formatted.slice(0, -1) : formatted;
  return `${body.replace(CONTROL, escapeChar)}\n`;
}
