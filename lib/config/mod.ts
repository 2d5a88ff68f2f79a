/**
 * Config files: ring.toml and the TOML helpers the vassal configs share.
 *
 * @module
 */
export { ConfigError, ConfigErrors, problemsOf } from "../errors.ts";
export { ConfigProblems } from "./problems.ts";
export { lineOf, parseTomlText } from "./toml_file.ts";
export { enumField, Fields, intField, rejectUnknown, strField } from "./fields.ts";
export {
  type FsyncPolicy,
  isHost,
  loadRingConfig,
  MAX_NODES,
  type RingConfig,
  ringConfigFromText,
  type RingNode,
  type RingTls,
} from "./ring_config.ts";
export { type NodeFiles, nodeFiles, resolveSelf, type SelfHints, selfMatches } from "./ring_self.ts";
export { DEFAULT_RETAIN, parseDuration, parseRetain, parseSize, type Retain } from "./retain.ts";
