// dist/zog, dist/sprog, dist/zeus and dist/emperor are one file; any name of it works.
import { afterAll, expect, test } from "bun:test";
import { linkSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { bin, removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

test("the four names are hard links to one executable", () => {
  const inode = statSync(bin("zog")).ino;
  for (const b of ["sprog", "zeus", "emperor", "cf-messages"] as const) expect(statSync(bin(b)).ino).toBe(inode);
});

test("a symlink runs the program it is named after; another name takes the program as first argument", async () => {
  const dir = tmpDir();
  symlinkSync(bin("zog"), join(dir, "emperor"));
  expect((await run(join(dir, "emperor"), ["--version"])).stdout).toStartWith("emperor ");
  linkSync(bin("zog"), join(dir, "zog-linux-x64"));
  expect((await run(join(dir, "zog-linux-x64"), ["sprog", "--version"])).stdout).toStartWith("sprog ");
  const help = await run(join(dir, "zog-linux-x64"), ["--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("zog-linux-x64 PROGRAM [ARGS...]");
  const none = await run(join(dir, "zog-linux-x64"), ["nope"]);
  expect(none.code).toBe(2);
  expect(none.stderr).toBe(
    'zog-linux-x64: "nope" is not a program of this executable (one of zog, sprog, zeus, emperor, cf-messages), or run it as one of those names\n',
  );
});
