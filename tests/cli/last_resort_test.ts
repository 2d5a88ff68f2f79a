// An error nothing caught (a timer's throw, a rejection nobody handles) ends a program with
// one line and exit 70, not a stack and exit 1. A guard: no daemon is known to miss one now.
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";
import { EXIT } from "../../lib/errors.ts";
import { unexpectedLine } from "../../lib/cli/last_resort.ts";

afterAll(removeTmpDirs);

const main = resolve(import.meta.dir, "../../lib/cli/main.ts");

for (const [what, fault] of [
  [
    "a throw in a timer",
    `setTimeout(() => { throw Object.assign(new Error("EMFILE: too many open files, open '/proc/self/status'"), { code: "EMFILE" }); }, 5);`,
  ],
  ["a rejection nobody handles", `setTimeout(() => void Promise.reject(new Error("disk on fire\\nsecond line")), 5);`],
] as const)
  test(`${what} ends the program with one line and exit ${EXIT.unexpected}`, async () => {
    const script = join(tmpDir(), "fault.ts");
    writeFileSync(
      script,
      `import { runMain } from ${JSON.stringify(main)};
await runMain("zog", () => new Promise<number>(() => { ${fault} }));`,
    );
    const r = await run(process.execPath, ["run", script]);
    expect(r.code).toBe(EXIT.unexpected);
    expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^zog: unexpected error, exiting: .+ \(at fault\.ts:\d+\)$/)]);
    expect(r.stderr).toContain(what.includes("throw") ? "EMFILE: too many open files" : "disk on fire second line");
  }, 30_000);

test("the line names what and where, on one line", () => {
  const e = new Error("a\nb");
  e.stack = "Error: a\n    at tick (/x/lib/ring/node.ts:12:5)\n    at other (/x/y.ts:1:1)";
  expect(unexpectedLine("zeus", e)).toBe("zeus: unexpected error, exiting: a b (at node.ts:12)");
  expect(unexpectedLine("zeus", "plain")).toBe("zeus: unexpected error, exiting: plain");
});
