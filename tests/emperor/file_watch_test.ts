import { afterAll, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { systemClock } from "../../lib/clock.ts";
import { Debouncer, FileWatch, globBase } from "../../lib/emperor/file_watch.ts";
import { parseVassalConfig } from "../../lib/vassal/mod.ts";
import { FakeClock } from "../helpers/fake_clock.ts";
import { removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

test("a pattern's base folder, and whether it reaches into subfolders", () => {
  expect(globBase("/srv/app/**/*.py")).toEqual({ dir: "/srv/app", deep: true });
  expect(globBase("/srv/app/*.py")).toEqual({ dir: "/srv/app", deep: false });
  expect(globBase("/srv/app/settings.toml")).toEqual({ dir: "/srv/app", deep: false });
  expect(globBase("/srv/*/conf/x.ini")).toEqual({ dir: "/srv", deep: true });
  expect(globBase("/*.conf")).toEqual({ dir: "/", deep: false });
  expect(globBase("/etc/{a,b}.conf")).toEqual({ dir: "/etc", deep: false });
  // "DIR/**" reaches everything below DIR, not only its first level.
  expect(globBase("/srv/app/**")).toEqual({ dir: "/srv/app", deep: true });
  expect(globBase("/srv/**")).toEqual({ dir: "/srv", deep: true });
});

test("a burst of changes gives one reload: 300 ms after the last, at most 1 s after the first", () => {
  const clock = new FakeClock();
  let fired = 0;
  const d = new Debouncer(clock, () => fired++);
  for (let i = 0; i < 10; i++) {
    d.poke();
    clock.advance(10); // ten changes within 100 ms
  }
  clock.advance(289);
  expect(fired).toBe(0);
  clock.advance(1);
  expect(fired).toBe(1);
  clock.advance(5000);
  expect(fired).toBe(1);
  // A change every 100 ms forever still reloads once a second.
  for (let i = 0; i < 25; i++) {
    d.poke();
    clock.advance(100);
  }
  expect(fired).toBe(3);
  d.poke();
  d.cancel();
  clock.advance(5000);
  expect(fired).toBe(3);
});

test("watch in [vassal]: an array of patterns, checked", () => {
  const c = parseVassalConfig("a.toml", '[vassal]\ncommand = "x"\nwatch = ["/srv/**/*.py", "settings.toml"]\n');
  expect(c.kind === "plain" && c.watch).toEqual(["/srv/**/*.py", "settings.toml"]);
  expect(() => parseVassalConfig("a.toml", '[vassal]\ncommand = "x"\nwatch = "/srv"\n')).toThrow(
    /a\.toml:3: \[vassal\] watch must be an array of strings/,
  );
  expect(() => parseVassalConfig("a.toml", '[vassal]\ncommand = "x"\nwatch = [""]\n')).toThrow(/watch pattern "" is empty/);
});

test("a watched folder removed and made again is watched again: changes in it still reload", async () => {
  const base = tmpDir();
  const app = join(base, "app");
  mkdirSync(app);
  const changed: string[] = [];
  const w = new FileWatch(["app/*.py"], base, systemClock, (path) => changed.push(path));
  w.start();
  try {
    // Written until seen: the watcher may be set up a moment after start() returns.
    await waitFor(() => (writeFileSync(join(app, "a.py"), "1"), changed.length > 0), 5000, "the first change");
    expect(changed).toEqual([join(app, "a.py")]);
    rmSync(app, { recursive: true });
    mkdirSync(app);
    // The watch comes back within its one-second retry; until then writes go unseen.
    await waitFor(
      () => (writeFileSync(join(app, "b.py"), "1"), changed.includes(join(app, "b.py"))),
      5000,
      "a change after the folder came back",
    );
  } finally {
    w.stop();
  }
});
