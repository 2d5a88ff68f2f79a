// dist/emperor with real uWSGI vassals (Debian uwsgi-core + uwsgi-plugin-python3).
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { sessionMembers } from "../../lib/proc/proc_stat.ts";
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
    // The emperor rotates while this reads: a file can be missing between two renames.
    const text = (f: string) => {
      try {
        return readFileSync(f, "utf8");
      } catch {
        return "";
      }
    };
    // uWSGI logs each request (about 200 bytes): ask until two rotated files exist.
    let asked = 0;
    const ask = async () => {
      for (let i = 0; i < 5; i++) {
        const n = asked++;
        expect(await uwsgiGet(port, `/r${n}`)).toBe(`one /r${n}`);
      }
    };
    await waitFor(
      async () => {
        await ask();
        return text(`${log}.2`) !== "";
      },
      30_000,
      "two rotated logs",
    );
    expect(existsSync(`${log}.3`)).toBe(false);
    // Further rotations keep two files: the oldest falls off.
    const oldest = text(`${log}.2`);
    await waitFor(
      async () => {
        await ask();
        const now = text(`${log}.2`);
        return now !== "" && now !== oldest;
      },
      30_000,
      "another rotation",
    );
    expect(existsSync(`${log}.3`)).toBe(false);
    await waitFor(
      () => /\] GET .* => generated /.test(text(log) + text(`${log}.1`) + text(`${log}.2`)),
      10_000,
      "request lines in the logs",
    );
  }, 90_000);
});
