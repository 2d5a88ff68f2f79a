// watch = [...] in [vassal] (seed 001's FileMonitor): a matching change reloads the vassal
// by its rule within a second; other files do nothing; a burst gives one reload.
import { afterAll, afterEach, expect, test } from "bun:test";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { startEmperor } from "./_emperor.ts";

afterEach(killAll);
afterAll(removeTmpDirs);

test("a matching file's change restarts the vassal within 1 s; a file that does not match does nothing; ten changes in 100 ms give one reload", async () => {
  const app = tmpDir("watched-app-");
  mkdirSync(join(app, "src", "deep"), { recursive: true });
  writeFileSync(join(app, "settings.toml"), "a = 1\n");
  const dir = tmpDir("emperor-dir-");
  writeFileSync(
    join(dir, "app.toml"),
    `[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nstop_timeout = 2\ncwd = "${app}"\nwatch = ["${app}/**/*.py", "settings.toml"]\n`,
  );
  const e = await startEmperor({ dir });
  const pid1 = await e.running("app.toml");
  expect((await e.vassal("app.toml"))!.watch).toEqual({ patterns: [`${app}/**/*.py`, join(app, "settings.toml")], reloads: 0 });

  const touched = Date.now();
  writeFileSync(join(app, "src", "deep", "new.py"), "print(1)\n");
  const pid2 = await waitFor(
    async () => {
      const v = await e.vassal("app.toml");
      return v?.state === "running" && v.pid !== pid1 ? v.pid : undefined;
    },
    1000,
    "a new pid within 1 s of the change",
  );
  expect(Date.now() - touched).toBeLessThan(1000);
  expect(e.proc.stderr()).toContain(`vassal app.toml: ${join(app, "src", "deep", "new.py")} changed; reloading it (watch)`);

  // Not matching: nothing happens (waited well past the debounce).
  writeFileSync(join(app, "src", "notes.txt"), "x\n");
  utimesSync(join(app, "src", "deep", "new.py"), new Date(), new Date()); // attributes only: a reload too
  await waitFor(async () => (await e.vassal("app.toml"))!.watch!.reloads === 2, 2000, "the touch's reload");
  const pid3 = await e.running("app.toml", pid2);
  writeFileSync(join(app, "src", "other.txt"), "y\n");
  // A non-event (no reload for a file the patterns do not match): well past the 300 ms debounce, in the compiled emperor.
  await Bun.sleep(800);
  expect((await e.vassal("app.toml"))!.pid).toBe(pid3);
  expect((await e.vassal("app.toml"))!.watch!.reloads).toBe(2);

  // Ten changes within 100 ms: one reload.
  for (let i = 0; i < 10; i++) {
    writeFileSync(join(app, "settings.toml"), `a = ${i}\n`);
    // Ten changes 10 ms apart: the burst the debounce must fold into one reload.
    await Bun.sleep(10);
  }
  const pid4 = await e.running("app.toml", pid3);
  // A non-event (no second reload after the burst): past the debounce's longest wait, in the compiled emperor.
  await Bun.sleep(1000);
  const v = (await e.vassal("app.toml"))!;
  expect(v.watch!.reloads).toBe(3);
  expect(v.pid).toBe(pid4);
  const metrics = await (await fetch(`http://127.0.0.1:${e.statsPort}/metrics`)).text();
  expect(metrics).toContain('emperor_vassal_watch_reloads_total{vassal="app.toml"} 3');
}, 30_000);

test('watch = ["DIR/**"]: a change to a file two folders below DIR reloads the vassal', async () => {
  const app = tmpDir("watched-tree-");
  mkdirSync(join(app, "a", "b"), { recursive: true });
  writeFileSync(join(app, "a", "b", "deep.conf"), "x = 1\n");
  const dir = tmpDir("emperor-dir-");
  writeFileSync(join(dir, "app.toml"), `[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nstop_timeout = 2\nwatch = ["${app}/**"]\n`);
  const e = await startEmperor({ dir });
  const pid1 = await e.running("app.toml");
  writeFileSync(join(app, "a", "b", "deep.conf"), "x = 2\n");
  await e.running("app.toml", pid1);
  expect(e.proc.stderr()).toContain(`vassal app.toml: ${join(app, "a", "b", "deep.conf")} changed; reloading it (watch)`);
}, 30_000);
