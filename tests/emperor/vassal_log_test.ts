import { afterAll, expect, test } from "bun:test";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { rotationPlan, VassalLog } from "../../lib/emperor/vassal_log.ts";
import { parseSize } from "../../lib/vassal/log_config.ts";
import { parseVassalConfig } from "../../lib/vassal/mod.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

test("rotationPlan shifts NAME.log.1 .. keep-1 up, drops the oldest, and moves NAME.log to .1", () => {
  expect(rotationPlan("/s/a.log", 3)).toEqual({
    drop: "/s/a.log.3",
    renames: [
      ["/s/a.log.2", "/s/a.log.3"],
      ["/s/a.log.1", "/s/a.log.2"],
      ["/s/a.log", "/s/a.log.1"],
    ],
  });
  expect(rotationPlan("/s/a.log", 1)).toEqual({ drop: "/s/a.log.1", renames: [["/s/a.log", "/s/a.log.1"]] });
});

test("parseSize takes bytes and K/M/G", () => {
  expect(parseSize(4096)).toBe(4096);
  expect(parseSize("10M")).toBe(10 * 1024 * 1024);
  expect(parseSize("512KiB")).toBe(512 * 1024);
  expect(parseSize("1.5G")).toBe(1.5 * 1024 ** 3);
  for (const bad of ["", "10X", "-1", 0, 1.5, "M"]) expect(parseSize(bad)).toBeUndefined();
});

test("log_max_size and log_keep in [vassal], with file:line errors", () => {
  const config = (extra: string) => parseVassalConfig("a.toml", `[vassal]\ncommand = "sleep"\n${extra}`);
  const ok = config('log_max_size = "10M"\nlog_keep = 3\n');
  expect(ok.kind === "plain" && ok.logRotation).toEqual({ maxSize: 10 * 1024 * 1024, keep: 3 });
  expect(() => config('log_max_size = "10Q"\n')).toThrow(/^a\.toml:3: \[vassal\] log_max_size must be a size of at least 1K/);
  expect(() => config("log_keep = 3\n")).toThrow("a.toml:3: [vassal] log_keep needs log_max_size");
  expect(() => config('log_max_size = "1M"\nlog_keep = 0\n')).toThrow(/a\.toml:4: .*log_keep/);
});

test("a log past its maximum size rotates, keeping log_keep files; reopen follows a moved file", () => {
  const dir = tmpDir();
  const path = join(dir, "v.log");
  const log = new VassalLog(path, { maxSize: 1024, keep: 2 });
  const line = new TextEncoder().encode(`${"x".repeat(99)}\n`);
  for (let i = 0; i < 35; i++) log.write(line); // 3500 bytes: 1000 + 1000 + 1000 + 500
  expect(readFileSync(path, "utf8").length).toBe(500);
  expect(readFileSync(`${path}.1`, "utf8").length).toBe(1000);
  expect(readFileSync(`${path}.2`, "utf8").length).toBe(1000);
  expect(existsSync(`${path}.3`)).toBe(false);
  renameSync(path, `${path}.moved`);
  log.reopen();
  log.write(line);
  expect(readFileSync(path, "utf8")).toBe(`${"x".repeat(99)}\n`);
  expect(readFileSync(`${path}.moved`, "utf8").length).toBe(500);
  log.close();
});

test("emperor-log-max-size and emperor-log-keep in a uWSGI vassal's [uwsgi], with file:line errors", () => {
  const config = (extra: string) => parseVassalConfig("app.ini", `[uwsgi]\nsocket = :0\n${extra}`);
  expect(config("emperor-log-max-size = 10M\nemperor-log-keep = 3\n").logRotation).toEqual({ maxSize: 10 * 1024 * 1024, keep: 3 });
  expect(config("emperor-log-max-size = 4096\n").logRotation).toEqual({ maxSize: 4096, keep: 5 });
  expect(config("").logRotation).toBeUndefined();
  expect(() => config("emperor-log-max-size = 10Q\n")).toThrow(/^app\.ini:3: emperor-log-max-size must be a size of at least 1K/);
  expect(() => config("emperor-log-max-size = 100\n")).toThrow(/^app\.ini:3: emperor-log-max-size must be a size of at least 1K/);
  expect(() => config("emperor-log-keep = 3\n")).toThrow("app.ini:3: emperor-log-keep needs emperor-log-max-size");
  expect(() => config("emperor-log-max-size = 1M\nemperor-log-keep = 0\n")).toThrow(
    /^app\.ini:4: emperor-log-keep must be a whole number from 1 to 100/,
  );
});
