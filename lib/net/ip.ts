/**
 * IP address syntax, as node:net's `isIP`: importing node:net only for it loaded the whole
 * Node socket layer into every daemon (about 8 MB more resident memory for `zog`).
 *
 * @module
 */

const V4_SEG = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
const V4 = `(?:${V4_SEG}\\.){3}${V4_SEG}`;
const V4_RE = new RegExp(`^${V4}$`);
const S = "(?:[0-9a-fA-F]{1,4})";
const V6_RE = new RegExp(
  "^(?:" +
    `(?:${S}:){7}(?:${S}|:)|` +
    `(?:${S}:){6}(?:${V4}|:${S}|:)|` +
    `(?:${S}:){5}(?::${V4}|(?::${S}){1,2}|:)|` +
    `(?:${S}:){4}(?:(?::${S}){0,1}:${V4}|(?::${S}){1,3}|:)|` +
    `(?:${S}:){3}(?:(?::${S}){0,2}:${V4}|(?::${S}){1,4}|:)|` +
    `(?:${S}:){2}(?:(?::${S}){0,3}:${V4}|(?::${S}){1,5}|:)|` +
    `(?:${S}:){1}(?:(?::${S}){0,4}:${V4}|(?::${S}){1,6}|:)|` +
    `(?::(?:(?::${S}){0,5}:${V4}|(?::${S}){1,7}|:))` +
    ")(?:%[0-9a-zA-Z-.:]{1,})?$",
);

/**
 * 4 for an IPv4 address, 6 for an IPv6 address (a zone `%eth0` allowed), 0 otherwise:
 * what node:net's `isIP` answers.
 *
 * @example
 * ```ts
 * isIP("127.0.0.1"); // 4
 * isIP("::1"); // 6
 * isIP("example.org"); // 0
 * ```
 */
export function isIP(s: string): 0 | 4 | 6 {
  if (V4_RE.test(s)) return 4;
  if (V6_RE.test(s)) return 6;
  return 0;
}
