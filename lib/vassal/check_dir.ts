/**
 * `zeus --check` and `emperor --check`: every vassal file of a directory parsed with the
 * emperors' parser, every error printed as `FILE:LINE: reason`.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, errCode, EXIT, problemsOf, UsageError } from "../errors.ts";
import { parseVassalConfig } from "./config.ts";
import { vassalKindOf } from "./name.ts";

/**
 * The errors of the vassal files `files` (name and text) of `dir`, as `DIR/NAME[:LINE]: reason`
 * lines; empty when every file is good. Pure.
 *
 * @example
 * ```ts
 * vassalErrors("/etc/vassals", [{ name: "a.toml", text: "[vassal\n" }]); // ["/etc/vassals/a.toml:1: ..."]
 * ```
 */
export function vassalErrors(dir: string, files: readonly { name: string; text: string }[]): string[] {
  const errors: string[] = [];
  for (const { name, text } of files) {
    try {
      parseVassalConfig(name, text);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of problemsOf(e)) errors.push(`${dir}/${p.message}`);
    }
  }
  return errors;
}

/**
 * Checks every `*.ini` and `*.toml` file of `dir`: prints each error on stderr and a summary
 * on stdout; returns 0 when all are good, else 2.
 *
 * @throws {UsageError} when `dir` cannot be read
 */
export function checkVassalsDir(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => vassalKindOf(n) !== undefined);
  } catch (e) {
    throw new UsageError(`cannot read vassals directory ${dir}: ${errCode(e)}`, { cause: e });
  }
  const files: { name: string; text: string }[] = [];
  const errors: string[] = [];
  for (const name of names.sort()) {
    try {
      files.push({ name, text: readFileSync(join(dir, name), "utf8") });
    } catch (e) {
      errors.push(`${join(dir, name)}: cannot read: ${errCode(e)}`);
    }
  }
  errors.push(...vassalErrors(dir, files));
  for (const e of errors) process.stderr.write(`${e}\n`);
  const bad = new Set(errors.map((e) => e.slice(0, e.indexOf(":"))));
  process.stdout.write(`${dir}: ${names.length - bad.size} of ${names.length} vassal file(s) ok\n`);
  return errors.length === 0 ? EXIT.ok : EXIT.usage;
}
