/**
 * Where each daemon serves `--stats` by default on a machine set up by install.sh (its
 * systemd units pass these), and so where each `status` command asks when not told.
 *
 * @module
 */

/**
 * The default stats address of each program, `HOST:PORT`.
 *
 * @example
 * ```ts
 * const flags: { stats?: string } = {};
 * const addr = flags.stats ?? DEFAULT_STATS.zeus; // "127.0.0.1:4041"
 * ```
 */
export const DEFAULT_STATS = {
  zog: "127.0.0.1:55553",
  zeus: "127.0.0.1:4041",
  emperor: "127.0.0.1:4042",
} as const;
