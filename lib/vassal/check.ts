/**
 * A vassal's health check (pure): what to probe (`check = "http://HOST:PORT/PATH" |
 * "tcp://HOST:PORT" | "exec:COMMAND ARGS"`) and how often, read from `[vassal]` (`check`,
 * `check_interval`, `check_timeout`, `check_grace`, `check_failures`) or `[uwsgi]`
 * (`zeus-check`, `zeus-check-interval`, ...).
 *
 * @module
 */

/** What a check probes. */
export type CheckTarget =
  { kind: "http"; url: string } | { kind: "tcp"; host: string; port: number } | { kind: "exec"; command: string; args: string[] };

/** A vassal's check, with its timings in milliseconds. */
export interface CheckConfig {
  /** The `check` text as written, for status and logs. */
  text: string;
  target: CheckTarget;
  /** Between the end of one probe and the start of the next; default 10 s. */
  intervalMs: number;
  /** A probe taking longer fails; default 2 s. */
  timeoutMs: number;
  /** After the vassal is running, the first probe waits this long; default 10 s. */
  graceMs: number;
  /** Failures in a row that make the vassal unhealthy (and restarted); default 3. */
  failures: number;
}

/** Defaults of the check settings, in seconds (failures: a count). */
export const CHECK_DEFAULTS = { interval: 10, timeout: 2, grace: 10, failures: 3 } as const;

/**
 * Parses a `check` value; returns the target, or why it is not one.
 *
 * @example
 * ```ts
 * parseCheckTarget("tcp://127.0.0.1:8001"); // { kind: "tcp", host: "127.0.0.1", port: 8001 }
 * parseCheckTarget("exec:/usr/local/bin/check-app --quick"); // { kind: "exec", command: "/usr/local/bin/check-app", args: ["--quick"] }
 * ```
 */
export function parseCheckTarget(text: string): CheckTarget | { error: string } {
  const bad = { error: `check "${text}" is not "http://HOST:PORT/PATH", "tcp://HOST:PORT" or "exec:COMMAND"` };
  if (text.startsWith("exec:")) {
    const [command, ...args] = text.slice(5).trim().split(/\s+/);
    return command ? { kind: "exec", command, args } : bad;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL: `bad` says what a check target must look like.
    return bad;
  }
  if (url.protocol === "http:" || url.protocol === "https:") return { kind: "http", url: url.href };
  if (url.protocol !== "tcp:" || !url.hostname || !url.port || (url.pathname !== "" && url.pathname !== "/")) return bad;
  return { kind: "tcp", host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(url.port) };
}

/** Raw check settings as read from a config (seconds), before validation. */
export interface CheckFields {
  check?: string;
  interval?: number;
  timeout?: number;
  grace?: number;
  failures?: number;
}

/**
 * Builds a {@link CheckConfig} from settings already type-checked by the config reader;
 * returns undefined without `check`, or `{ error }` naming the setting that is wrong
 * (`names` maps each field to its name in the file, e.g. `check_interval`).
 *
 * @example
 * ```ts
 * checkConfig({ check: "tcp://127.0.0.1:80", interval: 0.5 }, CHECK_KEYS_TOML);
 * ```
 */
export function checkConfig(
  f: CheckFields,
  names: Record<keyof CheckFields, string>,
): CheckConfig | undefined | { error: string; key: keyof CheckFields } {
  if (f.check === undefined) {
    const stray = (["interval", "timeout", "grace", "failures"] as const).find((k) => f[k] !== undefined);
    return stray ? { error: `${names[stray]} needs ${names.check}`, key: stray } : undefined;
  }
  const target = parseCheckTarget(f.check);
  if ("error" in target) return { error: target.error, key: "check" };
  for (const k of ["interval", "timeout", "grace"] as const) {
    const v = f[k];
    if (v !== undefined && !(v >= 0.01 && v <= 86_400) && !(k === "grace" && v === 0))
      return { error: `${names[k]} must be a number of seconds from 0.01 to 86400, got ${v}`, key: k };
  }
  if (f.failures !== undefined && !(Number.isInteger(f.failures) && f.failures >= 1 && f.failures <= 1000))
    return { error: `${names.failures} must be a whole number from 1 to 1000, got ${f.failures}`, key: "failures" };
  const ms = (v: number | undefined, d: number) => Math.round((v ?? d) * 1000);
  return {
    text: f.check,
    target,
    intervalMs: ms(f.interval, CHECK_DEFAULTS.interval),
    timeoutMs: ms(f.timeout, CHECK_DEFAULTS.timeout),
    graceMs: ms(f.grace, CHECK_DEFAULTS.grace),
    failures: f.failures ?? CHECK_DEFAULTS.failures,
  };
}

/** The setting names in a `.toml` `[vassal]` table. */
export const CHECK_KEYS_TOML = {
  check: "check",
  interval: "check_interval",
  timeout: "check_timeout",
  grace: "check_grace",
  failures: "check_failures",
} as const;

/** The setting names in an `.ini` `[uwsgi]` section. */
export const CHECK_KEYS_INI = {
  check: "zeus-check",
  interval: "zeus-check-interval",
  timeout: "zeus-check-timeout",
  grace: "zeus-check-grace",
  failures: "zeus-check-failures",
} as const;
