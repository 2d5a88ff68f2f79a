/**
 * Collecting the problems of a config file instead of stopping at the first, so `--check`
 * reports every one (as `nats-server -t` does). The field readers still throw; each
 * independent part of a file is read through {@link ConfigProblems.take}.
 *
 * @module
 */
import { ConfigError, ConfigErrors } from "../errors.ts";

/**
 * The problems found so far while reading one config file.
 *
 * @example
 * ```ts
 * import { Fields, intField } from "./fields.ts";
 * declare const f: Fields;
 * const p = new ConfigProblems();
 * const port = p.take(() => intField(f, "peer_port", 55551, 1, 65535), 55551);
 * p.throwIfAny();
 * ```
 */
export class ConfigProblems {
  readonly #errors: ConfigError[] = [];

  /**
   * Runs `read`; a {@link ConfigError} it throws is kept and `fallback` returned instead,
   * so the parts after it are still checked.
   *
   * @throws whatever `read` throws that is not a ConfigError (a bug, not a bad file)
   */
  take<T>(read: () => T, fallback: T): T {
    try {
      return read();
    } catch (e) {
      this.add(e);
      return fallback;
    }
  }

  /** Keeps `e` (each of a {@link ConfigErrors}); rethrows anything that is no ConfigError. */
  add(e: unknown): void {
    if (e instanceof ConfigErrors) this.#errors.push(...e.errors);
    else if (e instanceof ConfigError) this.#errors.push(e);
    else throw e;
  }

  /** How many problems were kept. */
  get size(): number {
    return this.#errors.length;
  }

  /**
   * Throws what was kept, in line order (problems without a line last): the one
   * ConfigError, or a {@link ConfigErrors} holding them all. Returns when there is none.
   */
  throwIfAny(): void {
    if (this.#errors.length === 0) return;
    const at = (e: ConfigError) => e.line ?? Number.MAX_SAFE_INTEGER;
    const sorted = this.#errors.map((e, i) => ({ e, i })).sort((a, b) => at(a.e) - at(b.e) || a.i - b.i);
    if (sorted.length === 1) throw sorted[0]!.e;
    throw new ConfigErrors(sorted.map((x) => x.e));
  }
}
