/**
 * Vassal names: they become file names under the state dir, so only a safe alphabet passes.
 *
 * @module
 */

/**
 * The longest name, in bytes: every file derived from a name must fit Linux's 255-byte
 * file names, and the longest is the pid record's temp file `.NAME.json.PID.tmp` (18 bytes
 * more with a 7-digit pid; `NAME.log.100` adds 8, zeus's `.NAME.PID.tmp` 13), so 237
 * would do; 230 leaves room.
 */
export const MAX_NAME_BYTES = 230;

/**
 * Why `name` cannot be a vassal name, or undefined when it can: `[A-Za-z0-9._-]`,
 * 1–230 bytes (so every file derived from it fits), not `.` or `..`.
 *
 * @example
 * ```ts
 * vassalNameProblem("app.ini"); // undefined
 * vassalNameProblem("../x"); // 'Vassal name "../x" is not allowed: it contains "/"'
 * ```
 */
export function vassalNameProblem(name: string): string | undefined {
  const shown = JSON.stringify(name);
  if (name === "") return "Vassal name is empty";
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_NAME_BYTES)
    return `Vassal name ${shown.slice(0, 40)}..." is not allowed: it is ${bytes} bytes long (at most ${MAX_NAME_BYTES})`;
  if (name === "." || name === "..") return `Vassal name ${shown} is not allowed: it is a directory name`;
  const bad = /[^A-Za-z0-9._-]/u.exec(name);
  if (bad) return `Vassal name ${shown} is not allowed: it contains ${JSON.stringify(bad[0])}`;
  return undefined;
}

/** The kind of vassal a name stands for: `*.ini` is uWSGI, `*.toml` is a plain command. */
export type VassalKind = "uwsgi" | "plain";

/**
 * The kind `name` stands for, or undefined for any other extension.
 *
 * @example
 * ```ts
 * vassalKindOf("web.toml"); // "plain"
 * ```
 */
export function vassalKindOf(name: string): VassalKind | undefined {
  if (name.endsWith(".ini")) return "uwsgi";
  if (name.endsWith(".toml")) return "plain";
  return undefined;
}
