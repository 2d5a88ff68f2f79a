import { afterAll, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/fs/atomic_write.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

test("replaces the file whole, with the asked mode whatever the old file had, and leaves no temp file", () => {
  const dir = tmpDir();
  const file = join(dir, "x.key");
  writeFileSync(file, "old", { mode: 0o666 });
  writeFileAtomic(file, "new", { mode: 0o600, durable: true });
  expect(readFileSync(file, "utf8")).toBe("new");
  expect(statSync(file).mode & 0o777).toBe(0o600);
  writeFileAtomic(file, new Uint8Array([104, 105]));
  expect(readFileSync(file, "utf8")).toBe("hi");
  expect(readdirSync(dir)).toEqual(["x.key"]);
});

test("a folder that does not exist throws and writes nothing", () => {
  expect(() => writeFileAtomic(join(tmpDir(), "no", "such"), "x")).toThrow(/ENOENT/);
});
