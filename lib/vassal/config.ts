/**
 * Vassal configs: a plain vassal's `[vassal]` table (`*.toml`) and a uWSGI vassal's
 * `[uwsgi]` ini (`*.ini`), validated with file, line and reason. Pure: text in, config out.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { ConfigProblems, Fields, intField, lineOf, parseTomlText, rejectUnknown, strField } from "../config/mod.ts";
import { FLEET_KEYS, type FleetSettings, fleetFromIni, fleetFromToml, type IniValue } from "./fleet_config.ts";
import { CGROUP_KEYS, type CgroupLimits, cgroupLimitsFromToml } from "./cgroup_config.ts";
import { LOG_KEYS, type LogRotation, logRotationFromIni, logRotationFromToml } from "./log_config.ts";
import { signalName } from "./signals.ts";
import { vassalKindOf, vassalNameProblem } from "./name.ts";

/** How a vassal reloads: restart it, or send it a signal. */
export type ReloadRule = { kind: "restart" } | { kind: "signal"; signal: NodeJS.Signals };

/** What every kind of vassal config carries for the emperor. */
export interface EmperorSettings {
  /** Size-based rotation of STATE_DIR/logs/NAME.log (`log_max_size`, `log_keep`; `emperor-log-...` in an ini). */
  logRotation?: LogRotation;
}

/** A plain vassal: any command, kept running. */
export interface PlainConfig extends FleetSettings, EmperorSettings {
  kind: "plain";
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  stopSignal: NodeJS.Signals;
  /** Seconds between stop_signal and SIGKILL. */
  stopTimeout: number;
  reload: ReloadRule;
  /** Copies zeus places on distinct emperors; read and ignored by a lone emperor. */
  nodes: number;
  user?: string;
  group?: string;
  /** Globs of files whose change reloads the vassal by its rule (relative ones: to its cwd). */
  watch?: string[];
  /** `memory_max`, `cpu_max`, `pids_max`: written to its cgroup where there is one. */
  limits?: CgroupLimits;
  /**
   * `start_grace`, seconds it must stay up before it counts as running (supervisord's
   * startsecs); unset: the emperor's default (0.5 s under zeus, 0 for a lone emperor).
   */
  startGrace?: number;
}

/** A uWSGI vassal: `uwsgi --ini FILE`, driven through the emperor protocol. */
export interface UwsgiConfig extends FleetSettings, EmperorSettings {
  kind: "uwsgi";
  /** Seconds between the stop byte and SIGKILL. */
  stopTimeout: number;
  /** `zeus-nodes` in `[uwsgi]`. */
  nodes: number;
}

/** A validated vassal config. */
export type VassalConfig = PlainConfig | UwsgiConfig;

const PLAIN_KEYS = [
  "command",
  "args",
  "env",
  "cwd",
  "stop_signal",
  "stop_timeout",
  "reload",
  "nodes",
  "user",
  "group",
  "watch",
  "start_grace",
  ...LOG_KEYS,
  ...CGROUP_KEYS,
  ...FLEET_KEYS,
] as const;

/** Default seconds between the graceful stop and SIGKILL. */
export const DEFAULT_STOP_TIMEOUT = 10;

/**
 * Validates the config `text` of the vassal `name`; the kind follows the extension.
 *
 * @throws {ConfigError} `NAME[:LINE]: reason` for a bad name, a TOML error, a missing
 *   command, an unknown signal or key, an ini without `[uwsgi]`; a ConfigErrors with
 *   each when several settings are wrong
 * @example
 * ```ts
 * parseVassalConfig("web.toml", '[vassal]\ncommand = "sleep"\nargs = ["60"]\n').kind; // "plain"
 * ```
 */
export function parseVassalConfig(name: string, text: string): VassalConfig {
  const problem = vassalNameProblem(name);
  if (problem) throw new ConfigError(name, problem);
  const kind = vassalKindOf(name);
  if (kind === "plain") return parsePlainConfig(name, text);
  if (kind === "uwsgi") return parseUwsgiConfig(name, text);
  throw new ConfigError(name, "is neither a uWSGI vassal (*.ini) nor a plain vassal (*.toml)");
}

function parsePlainConfig(file: string, text: string): PlainConfig {
  const doc = new Fields(parseTomlText(text, file), file, text);
  const p = new ConfigProblems();
  p.take(() => rejectUnknown(doc, ["vassal"]), undefined);
  if (doc.table.vassal === undefined) {
    p.take(() => doc.fail("has no [vassal] table"), undefined);
    p.throwIfAny();
  }
  const f = doc.child(doc.table.vassal, "[vassal]", lineOf(text, /^\s*\[vassal\]/, 0));
  p.take(() => rejectUnknown(f, PLAIN_KEYS), undefined);
  const config: PlainConfig = {
    kind: "plain",
    command: p.take(() => strField(f, "command"), ""),
    args: p.take(() => stringList(f, "args"), []),
    env: p.take(() => stringTable(f, "env"), {}),
    stopSignal: p.take(() => signalField(f, "stop_signal", "SIGTERM"), "SIGTERM"),
    stopTimeout: p.take(() => intField(f, "stop_timeout", DEFAULT_STOP_TIMEOUT, 0, 86_400), DEFAULT_STOP_TIMEOUT),
    reload: p.take(() => reloadField(f), { kind: "restart" }),
    nodes: p.take(() => intField(f, "nodes", 1, 1, 1000), 1),
    ...p.take(() => fleetFromToml(f), {}),
  };
  for (const key of ["cwd", "user", "group"] as const) {
    if (f.table[key] !== undefined) p.take(() => (config[key] = strField(f, key)), "");
  }
  if (f.table.watch !== undefined) p.take(() => (config.watch = watchField(f)), []);
  if (f.table.start_grace !== undefined) p.take(() => (config.startGrace = startGraceField(f)), 0);
  const rotation = p.take(() => logRotationFromToml(f), undefined);
  if (rotation) config.logRotation = rotation;
  const limits = p.take(() => cgroupLimitsFromToml(f), undefined);
  if (limits) config.limits = limits;
  p.throwIfAny();
  return config;
}

function stringList(f: Fields, key: string): string[] {
  const v = f.table[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((a) => typeof a !== "string")) f.failKey(key, `${key} must be an array of strings`);
  return v as string[];
}

function watchField(f: Fields): string[] {
  const list = stringList(f, "watch");
  if (list.length > 64) f.failKey("watch", `watch has ${list.length} patterns; at most 64`);
  for (const p of list) if (p.trim() === "" || p.includes("\0")) f.failKey("watch", `watch pattern "${p}" is empty or holds a NUL`);
  return list;
}

/** Longest `start_grace`: a copy that takes longer than this to prove it started is not starting. */
const MAX_START_GRACE = 3600;

function startGraceField(f: Fields): number {
  const v = f.table.start_grace;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > MAX_START_GRACE)
    f.failKey("start_grace", `start_grace must be from 0 to ${MAX_START_GRACE} seconds, got ${JSON.stringify(v)}`);
  return v as number;
}

function stringTable(f: Fields, key: string): Record<string, string> {
  const v = f.table[key];
  if (v === undefined) return {};
  const ok = typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
  if (!ok) f.failKey(key, `${key} must be a table of strings, as { NAME = "value" }`);
  return { ...(v as Record<string, string>) };
}

function signalField(f: Fields, key: string, fallback: NodeJS.Signals): NodeJS.Signals {
  const v = strField(f, key, fallback);
  const sig = signalName(v);
  if (!sig) return f.failKey(key, `${key} "${v}" is not a signal`);
  return sig;
}

function reloadField(f: Fields): ReloadRule {
  const v = strField(f, "reload", "restart");
  if (v === "restart") return { kind: "restart" };
  const m = /^signal:(.+)$/.exec(v);
  const sig = m ? signalName(m[1]!) : undefined;
  if (!sig) return f.failKey("reload", `reload "${v}" is neither "restart" nor "signal:NAME" with a known signal`);
  return { kind: "signal", signal: sig };
}

function parseUwsgiConfig(file: string, text: string): UwsgiConfig {
  const lines = text.split("\n");
  let section = "";
  let found = false;
  const values = new Map<string, IniValue>();
  const all = new Map<string, IniValue[]>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const head = /^\[([^\]]*)\]$/.exec(line);
    if (head) {
      section = head[1]!.trim();
      found ||= section === "uwsgi";
      continue;
    }
    const eq = line.indexOf("=");
    if (section !== "uwsgi" || eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const v = { value: line.slice(eq + 1).trim(), line: i + 1 };
    values.set(key, v);
    all.set(key, [...(all.get(key) ?? []), v]);
  }
  if (!found) throw new ConfigError(file, "has no [uwsgi] section");
  const p = new ConfigProblems();
  const config: UwsgiConfig = {
    kind: "uwsgi",
    stopTimeout: p.take(() => iniInt(file, values, "emperor-stop-timeout", DEFAULT_STOP_TIMEOUT), DEFAULT_STOP_TIMEOUT),
    nodes: p.take(() => iniInt(file, values, "zeus-nodes", 1, [1, 1000]), 1),
    ...p.take(() => fleetFromIni(file, all), {}),
  };
  const rotation = p.take(() => logRotationFromIni(file, values), undefined);
  if (rotation) config.logRotation = rotation;
  p.throwIfAny();
  return config;
}

function iniInt(
  file: string,
  values: Map<string, { value: string; line: number }>,
  key: string,
  fallback: number,
  range?: [number, number],
): number {
  const v = values.get(key);
  if (!v) return fallback;
  const n = Number(v.value);
  if (!/^[0-9]{1,6}$/.test(v.value) || (range && (n < range[0] || n > range[1]))) {
    const what = range ? `a whole number from ${range[0]} to ${range[1]}` : "a whole number";
    throw new ConfigError(file, `${key} must be ${what}, got "${v.value}"`, v.line);
  }
  return n;
}
