// dist/emperor with real uWSGI vassals (Debian uwsgi-core + uwsgi-plugin-python3).
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { sessionMembers } from "../../lib/emperor/proc_stat.ts";
import { freePort, killAll, removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { alive, startEmperor } from "./_emperor.ts";
import { UWSGI, uwsgiGet, writeUwsgiVassal } from "./_uwsgi.ts";

afterEach(killAll);
afterAll(removeTmpDirs);

const reloads = (stderr: string) => stderr.split("\n").filter((l) => l.includes("vassal app.ini reloaded")).length;

describe.skipIf(!UWSGI)("uWSGI vassals", () => {
  test("answers a uwsgi request, reloads on touch, updates on change, stops on removal", async () => {
    const em = await startEmperor();
    const port = await freePort();
    writeUwsgiVassal(em.dir, "app.ini", port, "one");
    const pid = await em.running("app.ini");
    expect(await uwsgiGet(port, "/a")).toBe("one /a");
    await waitFor(() => sessionMembers(pid).length === 3, 20_000, "master and two workers in the vassal's own session");

    const later = new Date(Date.now() + 5000);
    utimesSync(join(em.dir, "app.ini"), later, later);
    await waitFor(() => reloads(em.proc.stderr()) === 1, 20_000, "reloaded after touch");
    expect((await em.vassal("app.ini"))?.pid).toBe(pid); // uWSGI reloads in place
    expect(await uwsgiGet(port, "/b")).toBe("one /b");

    writeUwsgiVassal(em.dir, "app.ini", port, "two");
    await waitFor(() => reloads(em.proc.stderr()) === 2, 20_000, "reloaded after change");
    expect(await uwsgiGet(port, "/c")).toBe("two /c");

    rmSync(join(em.dir, "app.ini"));
    await waitFor(async () => (await em.vassal("app.ini")) === undefined, 20_000, "vassal gone");
    await waitFor(() => sessionMembers(pid).length === 0 && !alive(pid), 20_000, "uWSGI processes gone");
    await waitFor(() => em.proc.stderr().includes("vassal app.ini stopped"), 20_000, "stopped in the log");
  }, 90_000);

  test("emperor-log-max-size rotates a uWSGI vassal's log by size, keeping emperor-log-keep files", async () => {
    const em = await startEmperor();
    const port = await freePort();
    writeUwsgiVassal(em.dir, "app.ini", port, "one", "emperor-log-max-size = 1K\nemperor-log-keep = 2\n");
    await em.running("app.ini");
    const log = join(em.stateDir, "logs", "app.ini.log");
    // uWSGI logs each request (about 200 bytes): ask until two rotated files exist.
    let asked = 0;
    await waitFor(
      async () => {
        for (let i = 0; i < 5; i++) expect(await uwsgiGet(port, `/r${asked++}`)).toBe(`one /r${asked - 1}`);
        return existsSync(`${log}.2`);
      },
      30_000,
      "two rotated logs",
    );
    expect(existsSync(`${log}.3`)).toBe(false);
    expect(statSync(`${log}.2`).size).toBeGreaterThan(0);
    // Further rotations keep two files: the oldest falls off.
    const oldest = readFileSync(`${log}.2`, "utf8");
    await waitFor(
      async () => {
        for (let i = 0; i < 5; i++) await uwsgiGet(port, `/r${asked++}`);
        return readFileSync(`${log}.2`, "utf8") !== oldest;
      },
      30_000,
      "another rotation",
    );
    expect(existsSync(`${log}.3`)).toBe(false);
    // The last request's line is in the newest file (or in .1, when it was just rotated).
    const newest = readFileSync(log, "utf8") + (existsSync(`${log}.1`) ? readFileSync(`${log}.1`, "utf8") : "");
    expect(newest).toMatch(/\] GET .* => generated /);
  }, 90_000);
});
