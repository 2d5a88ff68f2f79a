/**
 * Vassals as both zeus and the emperor see them: the config parser (`*.toml`, `*.ini`),
 * the name rules, and signal names in configs. Pure: text in, values out.
 *
 * @example
 * ```ts
 * import { parseVassalConfig } from "./mod.ts";
 * parseVassalConfig("web.toml", '[vassal]\ncommand = "sleep"\n').kind; // "plain"
 * ```
 *
 * @module
 */
export {
  DEFAULT_STOP_TIMEOUT,
  parseVassalConfig,
  type PlainConfig,
  type ReloadRule,
  type UwsgiConfig,
  type VassalConfig,
} from "./config.ts";
export { CGROUP_KEYS, type CgroupLimits } from "./cgroup_config.ts";
export { MAX_NAME_BYTES, type VassalKind, vassalKindOf, vassalNameProblem } from "./name.ts";
export { signalName, signalNumber } from "./signals.ts";
export {
  CHECK_DEFAULTS,
  CHECK_KEYS_INI,
  CHECK_KEYS_TOML,
  type CheckConfig,
  checkConfig,
  type CheckFields,
  type CheckTarget,
  parseCheckTarget,
} from "./check.ts";
export { checkVassalsDir, vassalErrors } from "./check_dir.ts";
export { type Constraint, LABEL_KEY, type Labels, meets, meetsAll, parseConstraint, parseLabel, unmetNote } from "./constraints.ts";
export {
  FLEET_KEYS,
  fleetFromIni,
  fleetFromToml,
  type FleetSettings,
  type IniValue,
  UPDATE_DEFAULTS,
  type UpdatePolicy,
} from "./fleet_config.ts";
export { INI_LOG_KEYS, LOG_KEYS, type LogRotation, logRotationFromIni, logRotationFromToml, parseSize } from "./log_config.ts";
