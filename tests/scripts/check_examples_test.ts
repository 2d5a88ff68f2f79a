// scripts/check_examples.ts: `make check` fails on an @example that does not type-check.
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { examplesIn } from "../../scripts/check_examples.ts";
import { removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const ROOT = resolve(import.meta.dir, "../..");

const documented = (example: string) => `import { join } from "node:path";

/**
 * Joins a folder and a name.
 *
 * @example
 * \`\`\`ts
${example
  .split("\n")
  .map((l) => ` * ${l}`)
  .join("\n")}
 * \`\`\`
 */
export function under(dir: string, name: string): string {
  return join(dir, name);
}
`;

test("examplesIn: the ```ts blocks of doc comments, with the line of their first code line", () => {
  const text = documented('under("/srv", "a.toml");');
  expect(examplesIn("/x/f.ts", text)).toEqual([{ file: "/x/f.ts", line: 8, code: 'under("/srv", "a.toml");' }]);
  expect(examplesIn("/x/f.ts", "/** no example */\nconst s = `\n```ts\nnot a doc comment\n```\n`;\n")).toEqual([]);
});

test("a block that calls its file's export rightly passes; one that rotted fails, naming the line", async () => {
  const dir = tmpDir("examples-");
  const good = join(dir, "good.ts");
  writeFileSync(good, documented('const p: string = under("/srv", join("a", "b.toml"));\nnode.submit;'));
  const bad = join(dir, "bad.ts");
  writeFileSync(bad, documented('under("/srv");\nnode.markLogged(3);'));
  // Both in one run (each run type-checks the library the prelude names): only the rotted one is named.
  const rotted = await run(join(ROOT, "node_modules/.bin/bun"), [join(ROOT, "scripts/check_examples.ts"), good, bad]);
  expect(rotted.code).toBe(1);
  expect(rotted.stdout).not.toContain("good.ts");
  expect(rotted.stdout).toContain("2 problem(s) in the @example blocks (of 2)");
  expect(rotted.stdout).toContain(`${relative(ROOT, bad)}:8:1 - error TS2554: Expected 2 arguments, but got 1.`);
  expect(rotted.stdout).toContain("error TS2339: Property 'markLogged' does not exist on type 'ZogNode'.");
}, 60_000);
