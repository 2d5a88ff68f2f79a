// A real uWSGI vassal (Debian's uwsgi-core + python3 plugin) placed by zeus on an emperor.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { freePort, killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { UWSGI, uwsgiGet, writeUwsgiVassal } from "./_uwsgi.ts";
import { allRunning, copies, startEmperor, startZeus } from "./_zeus.ts";

afterEach(killAll);
afterAll(removeTmpDirs);

describe.skipIf(!UWSGI)("uWSGI under zeus", () => {
  test("an ini placed by zeus answers requests, and an edit reaches it", async () => {
    const z = await startZeus();
    const e = await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
    const port = await freePort();
    writeUwsgiVassal(z.dir, "app.ini", port, "hello");
    const s = await allRunning(z, 1);
    expect(s.vassals[0]!.emperors[0]!.node).toBe("e1");
    expect(await waitFor(() => uwsgiGet(port, "/x").catch(() => undefined), 10_000, "the app answering")).toBe("hello /x");
    // An edit as config tools make it: written aside, renamed into place.
    const stage = tmpDir("stage-");
    writeUwsgiVassal(stage, "app.ini", port, "bonjour");
    renameSync(join(stage, "app.ini"), join(z.dir, "app.ini"));
    // VASSAL_RELOADED comes once uWSGI is ready again (graceful reload: slow on a loaded machine).
    await waitFor(
      async () => {
        const st = await z.status();
        return st?.counters.updates === 1 && st.vassals[0]!.state === "running";
      },
      45_000,
      "zeus to hear VASSAL_RELOADED",
    );
    expect(await uwsgiGet(port, "/y")).toBe("bonjour /y");
    expect((await copies([e])).get("app.ini")!.length).toBe(1);
  }, 90_000);
});
