/**
 * Placement labels (pure): an emperor's `--label KEY=VALUE` set, a vassal's
 * `constraints` (`zone=a`, `zone!=b`, `ssd`: the label is set) and the note that says
 * which constraint no emperor meets.
 *
 * @module
 */

/** An emperor's labels, from `emperor --label KEY=VALUE` (a bare `KEY` is `KEY=""`). */
export type Labels = Readonly<Record<string, string>>;

/** One parsed constraint. */
export type Constraint =
  | { key: string; op: "="; value: string; text: string }
  | { key: string; op: "!="; value: string; text: string }
  | { key: string; op: "has"; text: string };

/** What a label key and value may hold: they travel as uwsgi vars and appear in notes. */
export const LABEL_KEY = /^[A-Za-z0-9._/-]{1,63}$/;
const LABEL_VALUE = /^[A-Za-z0-9._/:-]{0,63}$/;

/**
 * Parses `KEY=VALUE`, `KEY!=VALUE` or `KEY`; undefined when malformed.
 *
 * @example
 * ```ts
 * parseConstraint("zone=a"); // { key: "zone", op: "=", value: "a", text: "zone=a" }
 * parseConstraint("ssd"); // { key: "ssd", op: "has", text: "ssd" }
 * ```
 */
export function parseConstraint(text: string): Constraint | undefined {
  const m = /^([^=!]+?)\s*(!=|=)\s*(.*)$/.exec(text.trim());
  if (!m) return LABEL_KEY.test(text.trim()) ? { key: text.trim(), op: "has", text: text.trim() } : undefined;
  const [, key, op, value] = m as unknown as [string, string, "=" | "!=", string];
  if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) return undefined;
  return { key, op, value, text: `${key}${op}${value}` };
}

/**
 * Parses one `--label KEY=VALUE` (or a bare `KEY`); undefined when malformed.
 *
 * @example
 * ```ts
 * parseLabel("zone=a"); // ["zone", "a"]
 * ```
 */
export function parseLabel(text: string): [string, string] | undefined {
  const eq = text.indexOf("=");
  const [key, value] = eq < 0 ? [text, ""] : [text.slice(0, eq), text.slice(eq + 1)];
  return LABEL_KEY.test(key) && LABEL_VALUE.test(value) ? [key, value] : undefined;
}

/** Whether `labels` meet constraint `c`. */
export function meets(labels: Labels, c: Constraint): boolean {
  const v = Object.hasOwn(labels, c.key) ? labels[c.key] : undefined;
  if (c.op === "has") return v !== undefined;
  if (c.op === "=") return v === c.value;
  return v !== c.value;
}

/** Whether `labels` meet every constraint. */
export function meetsAll(labels: Labels, cs: readonly Constraint[]): boolean {
  return cs.every((c) => meets(labels, c));
}

/**
 * Why no emperor of `emperors` can take a vassal with constraints `cs`: the first
 * constraint none of them meets, or, when each is met by some but never all by one, that;
 * undefined when some emperor meets them all.
 *
 * @example
 * ```ts
 * unmetNote([{ zone: "a" }, { zone: "b" }], [parseConstraint("zone=c")!]);
 * // 'no alive emperor meets constraint "zone=c"'
 * ```
 */
export function unmetNote(emperors: readonly Labels[], cs: readonly Constraint[]): string | undefined {
  if (cs.length === 0 || emperors.some((l) => meetsAll(l, cs))) return undefined;
  const none = cs.find((c) => !emperors.some((l) => meets(l, c)));
  if (none) return `no alive emperor meets constraint "${none.text}"`;
  return `no alive emperor meets constraints ${cs.map((c) => `"${c.text}"`).join(", ")} at once`;
}
