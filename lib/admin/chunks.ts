/**
 * Requests and replies of any size: vars split over several REQUEST (or REPLY) frames,
 * all but the last marked `@more`, and joined again by the receiver. Pure.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";

/** UTF-16 code units per slice: at most 3 UTF-8 bytes each, so a slice stays under 48 KiB. */
const SLICE = 16_000;
/** Total bytes of vars one request or reply may carry once joined. */
export const MAX_JOINED = 4 * 1024 * 1024;

/** Slices `s` into pieces of at most SLICE code units, never between a surrogate pair. */
function slices(s: string): string[] {
  if (s.length <= SLICE) return [s];
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    let end = Math.min(i + SLICE, s.length);
    const last = s.charCodeAt(end - 1);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(s.slice(i, end));
    i = end;
  }
  return out;
}

/**
 * Splits vars into parts that each fit one frame (about 48 KiB of values): a long value
 * continues in the next part under the same key.
 *
 * @example
 * ```ts
 * splitVars({ body: "x".repeat(40_000) }).length; // 3
 * ```
 */
export function splitVars(vars: Record<string, string>): Record<string, string>[] {
  const parts: Record<string, string>[] = [{}];
  let size = 0;
  for (const [key, value] of Object.entries(vars)) {
    for (const piece of slices(value)) {
      const cost = key.length * 3 + piece.length * 3 + 4;
      if (size > 0 && size + cost > SLICE * 3) {
        parts.push({});
        size = 0;
      }
      const part = parts[parts.length - 1]!;
      part[key] = (part[key] ?? "") + piece;
      size += cost;
    }
  }
  return parts;
}

/**
 * Joins the parts of one request or reply as they arrive.
 *
 * @example
 * ```ts
 * const j = new VarsJoiner();
 * j.add({ body: "ab" }); j.add({ body: "c" }); j.vars; // { body: "abc" }
 * ```
 */
export class VarsJoiner {
  readonly vars: Record<string, string> = {};
  #size = 0;

  /**
   * Adds one part.
   *
   * @throws {ProtocolError} when the joined vars pass {@link MAX_JOINED}
   */
  add(part: Record<string, string>): void {
    for (const [k, v] of Object.entries(part)) {
      this.#size += k.length + v.length;
      if (this.#size > MAX_JOINED) throw new ProtocolError(`a request or reply of more than ${MAX_JOINED} bytes`);
      this.vars[k] = (this.vars[k] ?? "") + v;
    }
  }
}
