import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PlainConfig } from "../../lib/vassal/mod.ts";
import { plainArgv, SETPRIV } from "../../lib/proc/launch_argv.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const touching = (file: string) => ({ command: "/usr/bin/touch", args: [file] }) as unknown as PlainConfig;

test.skipIf(!SETPRIV)("a plain vassal runs when its parent is the emperor that armed the parent-death signal", () => {
  const file = join(tmpDir("guard-"), "ran");
  const [cmd, ...args] = plainArgv(touching(file), { initGroups: false }, SETPRIV, process.pid);
  expect(spawnSync(cmd!, args).status).toBe(0);
  expect(existsSync(file)).toBe(true);
});

test.skipIf(!SETPRIV)("a plain vassal whose emperor died before setpriv armed the signal (parent is not the emperor) does not run", () => {
  const file = join(tmpDir("guard-"), "ran");
  // As if the emperor had died in that window: the parent (this test) is not pid 1.
  const [cmd, ...args] = plainArgv(touching(file), { initGroups: false }, SETPRIV, 1);
  expect(spawnSync(cmd!, args).status).toBe(125);
  expect(existsSync(file)).toBe(false);
});

test("without setpriv the command runs as is", () => {
  expect(plainArgv({ command: "sleep", args: ["9"] } as unknown as PlainConfig, { initGroups: false }, undefined)).toEqual(["sleep", "9"]);
});
