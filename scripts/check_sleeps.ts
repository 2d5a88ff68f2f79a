/**
 * `make check`'s sleep check: a test that sleeps on the real clock says why, in a comment
 * on the line or the one above (a non-event that cannot be awaited, a sampling interval,
 * real time in a compiled binary); a wait for a condition awaits it (`waitFor`), and a
 * wait for a timer uses the fake clock (tests/helpers/fake_clock.ts). Prints each silent
 * sleep and exits 1 when there is one.
 *
 * Run: `bun run scripts/check_sleeps.ts [ROOT]`
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

/**
 * The 1-based numbers of the lines of `source` that call `Bun.sleep` with no `//` comment
 * on that line or the line above.
 *
 * @example
 * ```ts
 * silentSleeps("await Bun.sleep(5);\n// why\nawait Bun.sleep(5);"); // [1]
 * ```
 */
export function silentSleeps(source: string): number[] {
  const lines = source.split("\n");
  const silent: number[] = [];
  lines.forEach((line, i) => {
    if (line.includes("Bun.sleep(") && !line.includes("//") && !(lines[i - 1] ?? "").trim().startsWith("//")) silent.push(i + 1);
  });
  return silent;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

if (import.meta.main) {
  const root = resolve(process.argv[2] ?? ".");
  let found = 0;
  for (const file of tsFiles(join(root, "tests"))) {
    for (const n of silentSleeps(readFileSync(file, "utf8"))) {
      console.error(
        `${relative(root, file)}:${n}: Bun.sleep without a comment saying why it is not a wait for a condition (waitFor) or a timer (FakeClock)`,
      );
      found++;
    }
  }
  if (found > 0) process.exit(1);
}
