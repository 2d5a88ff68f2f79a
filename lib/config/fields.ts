/**
 * Typed field access on a parsed TOML table, failing with the file, line and table.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { ConfigProblems } from "./problems.ts";

/**
 * One TOML table being validated: where it is (file, line, name) and its values.
 *
 * @example
 * ```ts
 * const f = new Fields({ peer_port: 55551 }, "ring.toml", text);
 * const port = intField(f, "peer_port", 55551, 1, 65535);
 * ```
 */
export class Fields {
  /**
   * @param table the parsed table
   * @param file the config file, for messages
   * @param text the file's text, for line lookups
   * @param where the table's name in messages ("node 3"), empty at top level
   * @param line the table's 1-based line, when known
   */
  constructor(
    readonly table: Record<string, unknown>,
    readonly file: string,
    readonly text: string,
    readonly where = "",
    readonly line?: number,
  ) {}

  /** Throws a {@link ConfigError} about this table, at `line` or the table's own line. */
  fail(what: string, line = this.line): never {
    throw new ConfigError(this.file, this.where ? `${this.where} ${what}` : what, line);
  }

  /** Throws a {@link ConfigError} about `key` of this table, at the key's line when found. */
  failKey(key: string, what: string): never {
    this.fail(what, this.keyLine(key) ?? this.line);
  }

  /** The 1-based line where `key = ...` is set in this table, searching from the table's header. */
  keyLine(key: string): number | undefined {
    const lines = this.text.split("\n");
    const re = new RegExp(`^\\s*["']?${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["']?\\s*=`);
    // this.line is the header's 1-based line, so as an index it is the line after it.
    for (let i = this.line ?? 0; i < lines.length; i++) {
      if (/^\s*\[/.test(lines[i]!)) break;
      if (re.test(lines[i]!)) return i + 1;
    }
    return undefined;
  }

  /** The sub-table `value`, which must be a table. */
  child(value: unknown, where: string, line?: number): Fields {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      new Fields({}, this.file, this.text, where, line).fail("must be a table");
    }
    return new Fields(value as Record<string, unknown>, this.file, this.text, where, line);
  }
}

/**
 * A string field; without a fallback it is required.
 *
 * @throws {ConfigError} when missing (and required) or not a non-empty string
 */
export function strField(f: Fields, key: string, fallback?: string): string {
  const v = f.table[key];
  if (v === undefined) {
    if (fallback === undefined) f.fail(`has no ${key}`);
    return fallback;
  }
  if (typeof v !== "string" || v === "") f.failKey(key, `${key} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * An integer field within [min, max], with a fallback when missing.
 *
 * @throws {ConfigError} when not an integer in range
 */
export function intField(f: Fields, key: string, fallback: number, min: number, max: number): number {
  const v = f.table[key];
  if (v === undefined) return fallback;
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    f.failKey(key, `${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(typeof v === "bigint" ? n : v)}`);
  }
  return n;
}

/**
 * Rejects keys not in `known`, so a typo is an error rather than a silent default.
 *
 * @throws {ConfigError} naming the unknown key (a ConfigErrors when several are)
 */
export function rejectUnknown(f: Fields, known: readonly string[]): void {
  const problems = new ConfigProblems();
  for (const key of Object.keys(f.table)) {
    if (!known.includes(key)) problems.take(() => f.failKey(key, `has unknown key "${key}" (known: ${known.join(", ")})`), undefined);
  }
  problems.throwIfAny();
}

/**
 * A string field that must be one of `allowed`, with a fallback when missing.
 *
 * @throws {ConfigError} quoting the value and the allowed ones
 */
export function enumField<T extends string>(f: Fields, key: string, allowed: readonly T[], fallback: T): T {
  const v = strField(f, key, fallback);
  if (!(allowed as readonly string[]).includes(v)) f.failKey(key, `${key} "${v}" is not one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  return v as T;
}
