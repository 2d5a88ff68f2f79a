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
