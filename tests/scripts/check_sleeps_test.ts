// scripts/check_sleeps.ts: `make check` fails on a test sleep that does not say why.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { silentSleeps } from "../../scripts/check_sleeps.ts";

// Spelled in two parts, so that this file itself has no sleep to report.
const SLEEP = ["Bun", "sleep"].join(".");

test("a sleep with a comment on its line or the line above passes; a silent one is reported by line", () => {
  const src = [
    "// A non-event: time for it to wrongly come.",
    `await ${SLEEP}(100);`,
    `await ${SLEEP}(5); // poll interval`,
    "",
    `await ${SLEEP}(20);`,
  ].join("\n");
  expect(silentSleeps(src)).toEqual([5]);
  expect(silentSleeps("const x = 1;\n")).toEqual([]);
});

test("no test of this repository sleeps without saying why", () => {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith(".ts") ? [join(dir, n)] : []));
  const silent = walk(join(import.meta.dir, "..")).flatMap((f) => silentSleeps(readFileSync(f, "utf8")).map((n) => `${f}:${n}`));
  expect(silent).toEqual([]);
});
