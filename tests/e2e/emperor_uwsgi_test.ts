// dist/emperor with real uWSGI vassals (Debian uwsgi-core + uwsgi-plugin-python3).
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { rmSync, utimesSync } from "node:fs";
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
});
