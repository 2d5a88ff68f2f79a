// A watcher whose onChange throws (from its event timer or its rescan timer) says so on one
// line and watches on; the throw used to end the process from the timer.
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const watcher = resolve(import.meta.dir, "../../lib/watch/dir_watcher.ts");
const logging = resolve(import.meta.dir, "../../lib/log/mod.ts");

test("an onChange that throws from the watcher's timers is logged, and later changes are still seen", async () => {
  const dir = tmpDir();
  const script = join(tmpDir(), "throwing.ts");
  writeFileSync(
    script,
    `
import { writeFileSync } from "node:fs";
import { DirWatcher } from ${JSON.stringify(watcher)};
import { setupLogging } from ${JSON.stringify(logging)};
import { getLogger } from ${JSON.stringify(logging)};
setupLogging("zeus", "error", "text");
const seen: string[] = [];
const w = new DirWatcher(${JSON.stringify(dir)}, {
  match: () => true,
  rescanMs: 50,
  log: getLogger("zeus", "vassals"),
  onChange: (c) => {
    const names = [...c.added, ...c.changed];
    seen.push(...names);
    if (names.includes("bad.toml")) throw new Error("config store on fire");
  },
});
w.start();
writeFileSync(${JSON.stringify(join(dir, "bad.toml"))}, "x");
while (!seen.includes("bad.toml")) await new Promise((r) => setTimeout(r, 10));
writeFileSync(${JSON.stringify(join(dir, "good.toml"))}, "y");
while (!seen.includes("good.toml")) await new Promise((r) => setTimeout(r, 10));
w.stop();
console.log(JSON.stringify(seen));
`,
  );
  const r = await run(process.execPath, ["run", script], { cwd: resolve(import.meta.dir, "../..") });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toContain("good.toml");
  expect(r.stderr).toMatch(/\[ERR\] zeus\.vassals: cannot apply the changes seen in .*: config store on fire\n/);
  expect(r.stderr.trim().split("\n").length).toBe(1);
}, 30_000);
