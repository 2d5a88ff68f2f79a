/**
 * A vassal's fleet settings, read by zeus and the emperors alike: its health check,
 * where it may run (`constraints`, `spread`) and how its copies are updated
 * (`[vassal.update]`). In a `.toml`'s `[vassal]` table, or as `zeus-...` keys in an
 * `.ini`'s `[uwsgi]` section. Pure: parsed values in, settings out.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { ConfigProblems, type Fields, lineOf, rejectUnknown } from "../config/mod.ts";
import { CHECK_KEYS_INI, CHECK_KEYS_TOML, type CheckConfig, type CheckFields, checkConfig } from "./check.ts";
import { type Constraint, LABEL_KEY, parseConstraint } from "./constraints.ts";

/** `[vassal.update]`: how a change reaches the vassal's copies. */
export interface UpdatePolicy {
  /** Copies updated at once; default 1. */
  maxParallel: number;
  /** How long an updated copy must run (and pass its check) before the next starts; default 10 s. */
  minHealthyMs: number;
  /** On failure, send the updated copies back to the last good config. */
  autoRevert: boolean;
}

/** Defaults of `[vassal.update]`. */
export const UPDATE_DEFAULTS: UpdatePolicy = { maxParallel: 1, minHealthyMs: 10_000, autoRevert: false };

/** What both kinds of vassal config carry for zeus and its checks; each only when set. */
export interface FleetSettings {
  check?: CheckConfig;
  /** Emperors must meet all of these (`constraints`, `zeus-constraint`). */
  constraints?: Constraint[];
  /** Spread copies over this label's values (`spread`, `zeus-spread`). */
  spread?: string;
  /** Default {@link UPDATE_DEFAULTS}. */
  update?: UpdatePolicy;
}

/** Only the settings that were given, so a config without them reads as before. */
function given(s: Required<Pick<FleetSettings, "constraints">> & FleetSettings, updateGiven: boolean): FleetSettings {
  return {
    ...(s.check ? { check: s.check } : {}),
    ...(s.constraints.length > 0 ? { constraints: s.constraints } : {}),
    ...(s.spread !== undefined ? { spread: s.spread } : {}),
    ...(updateGiven && s.update ? { update: s.update } : {}),
  };
}

/** The keys of `[vassal]` these settings use. */
export const FLEET_KEYS = [...Object.values(CHECK_KEYS_TOML), "constraints", "spread", "update"] as const;

function seconds(f: Fields, key: string): number | undefined {
  const v = f.table[key];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) f.failKey(key, `${key} must be a number of seconds, got ${JSON.stringify(v)}`);
  return v;
}

function checkOf(raw: CheckFields, names: Record<keyof CheckFields, string>, fail: (key: string, what: string) => never) {
  const c = checkConfig(raw, names);
  if (c && "error" in c) return fail(names[c.key], c.error);
  return c;
}

function constraintsOf(list: readonly string[], fail: (what: string) => never): Constraint[] {
  return list.map((t) => parseConstraint(t) ?? fail(`constraint "${t}" is not KEY=VALUE, KEY!=VALUE or KEY`));
}

/**
 * Reads the fleet settings of a `[vassal]` table.
 *
 * @throws {ConfigError} at the key's line for a bad check, constraint, spread or update setting
 *   (a ConfigErrors when several are wrong)
 * @example
 * ```ts
 * declare const fields: Fields;
 * fleetFromToml(fields).update?.maxParallel; // 1
 * ```
 */
export function fleetFromToml(f: Fields): FleetSettings {
  const p = new ConfigProblems();
  const c = p.take(() => {
    const check = typeof f.table.check === "string" || f.table.check === undefined ? (f.table.check as string | undefined) : undefined;
    if (f.table.check !== undefined && check === undefined) f.failKey("check", "check must be a string");
    const k = CHECK_KEYS_TOML;
    const raw = {
      check,
      interval: seconds(f, k.interval),
      timeout: seconds(f, k.timeout),
      grace: seconds(f, k.grace),
      failures: seconds(f, k.failures),
    };
    return checkOf(raw, k, (key, what) => f.failKey(key, what));
  }, undefined);
  const constraints = p.take(() => {
    const rawC = f.table.constraints ?? [];
    if (!Array.isArray(rawC) || rawC.some((x) => typeof x !== "string"))
      f.failKey("constraints", 'constraints must be an array of strings, as ["zone=a"]');
    return constraintsOf(rawC as string[], (what) => f.failKey("constraints", what));
  }, []);
  const spread = p.take(() => {
    const v = f.table.spread;
    if (v !== undefined && (typeof v !== "string" || !LABEL_KEY.test(v)))
      f.failKey("spread", `spread must be a label name, got ${JSON.stringify(v)}`);
    return v as string | undefined;
  }, undefined);
  const update = f.table.update === undefined ? UPDATE_DEFAULTS : p.take(() => updateFromToml(f), UPDATE_DEFAULTS);
  p.throwIfAny();
  return given({ check: c, constraints, spread, update }, f.table.update !== undefined);
}

function updateFromToml(f: Fields): UpdatePolicy {
  const u = f.child(f.table.update, "[vassal.update]", lineOf(f.text, /^\s*\[\s*vassal\.update\s*\]/, 0));
  const p = new ConfigProblems();
  p.take(() => rejectUnknown(u, ["max_parallel", "min_healthy", "auto_revert"]), undefined);
  const maxParallel = p.take(() => {
    const par = u.table.max_parallel ?? 1;
    if (typeof par !== "number" || !Number.isInteger(par) || par < 1 || par > 1000)
      u.failKey("max_parallel", `max_parallel must be a whole number from 1 to 1000, got ${JSON.stringify(par)}`);
    return par as number;
  }, 1);
  const minHealthyMs = p.take(() => {
    const min = seconds(u, "min_healthy") ?? UPDATE_DEFAULTS.minHealthyMs / 1000;
    if (min < 0 || min > 86_400) u.failKey("min_healthy", `min_healthy must be from 0 to 86400 seconds, got ${min}`);
    return Math.round(min * 1000);
  }, UPDATE_DEFAULTS.minHealthyMs);
  const autoRevert = p.take(() => {
    const revert = u.table.auto_revert ?? false;
    if (typeof revert !== "boolean") u.failKey("auto_revert", `auto_revert must be true or false, got ${JSON.stringify(revert)}`);
    return revert as boolean;
  }, false);
  p.throwIfAny();
  return { maxParallel, minHealthyMs, autoRevert };
}

/** One `key = value` of an ini's `[uwsgi]` section, with its line. */
export interface IniValue {
  value: string;
  line: number;
}

/**
 * Reads the fleet settings from an ini's `[uwsgi]` values (`zeus-check...`,
 * `zeus-constraint` (repeatable), `zeus-spread`, `zeus-update-...`). `all` holds every
 * value of a repeated key, in order.
 *
 * @throws {ConfigError} `FILE:LINE: reason` (a ConfigErrors when several are wrong)
 * @example
 * ```ts
 * fleetFromIni("app.ini", new Map([["zeus-constraint", [{ value: "zone=a", line: 3 }]]])).constraints?.[0]?.text; // "zone=a"
 * ```
 */
export function fleetFromIni(file: string, all: ReadonlyMap<string, readonly IniValue[]>): FleetSettings {
  const get = (key: string) => all.get(key)?.at(-1);
  const failAt = (key: string, what: string): never => {
    throw new ConfigError(file, what, get(key)?.line);
  };
  const num = (key: string): number | undefined => {
    const v = get(key);
    if (!v) return undefined;
    const n = Number(v.value);
    if (v.value === "" || !Number.isFinite(n)) failAt(key, `${key} must be a number, got "${v.value}"`);
    return n;
  };
  const p = new ConfigProblems();
  const k = CHECK_KEYS_INI;
  const c = p.take(
    () =>
      checkOf(
        { check: get(k.check)?.value, interval: num(k.interval), timeout: num(k.timeout), grace: num(k.grace), failures: num(k.failures) },
        k,
        failAt,
      ),
    undefined,
  );
  const constraints: Constraint[] = [];
  for (const v of all.get("zeus-constraint") ?? []) {
    const fail = (what: string): never => {
      throw new ConfigError(file, `zeus-constraint: ${what}`, v.line);
    };
    constraints.push(
      ...p.take(
        () =>
          constraintsOf(
            v.value.split(",").filter((s) => s.trim() !== ""),
            fail,
          ),
        [],
      ),
    );
  }
  const spread = get("zeus-spread")?.value;
  if (spread !== undefined && !LABEL_KEY.test(spread))
    p.take(() => failAt("zeus-spread", `zeus-spread must be a label name, got "${spread}"`), undefined);
  const maxParallel = p.take(() => {
    const par = num("zeus-update-max-parallel") ?? 1;
    if (!Number.isInteger(par) || par < 1 || par > 1000)
      failAt("zeus-update-max-parallel", `zeus-update-max-parallel must be a whole number from 1 to 1000, got ${par}`);
    return par;
  }, 1);
  const minHealthyMs = p.take(() => {
    const min = num("zeus-update-min-healthy") ?? UPDATE_DEFAULTS.minHealthyMs / 1000;
    if (min < 0 || min > 86_400) failAt("zeus-update-min-healthy", `zeus-update-min-healthy must be from 0 to 86400 seconds, got ${min}`);
    return Math.round(min * 1000);
  }, UPDATE_DEFAULTS.minHealthyMs);
  const revert = get("zeus-update-auto-revert")?.value ?? "false";
  if (!/^(true|false|yes|no|1|0)$/.test(revert))
    p.take(() => failAt("zeus-update-auto-revert", `zeus-update-auto-revert must be true or false, got "${revert}"`), undefined);
  p.throwIfAny();
  const update = { maxParallel, minHealthyMs, autoRevert: /^(true|yes|1)$/.test(revert) };
  return given(
    { check: c, constraints, spread, update },
    [...all.keys()].some((key) => key.startsWith("zeus-update-")),
  );
}
